// JSON the way Prometheus 2.42 writes it (jsoniter configured like
// encoding/json, plus util/jsonutil for sample points), so responses are
// byte-identical: HTML-escaped strings, timestamps as seconds with a
// millisecond fraction, values as strings in Go's shortest float format.

import type { Labels } from "../../model/labels.js";
import { formatFloatF } from "../../promql/gofloat.js";

const HEX = "0123456789abcdef";

/** encoding/json string encoding (EscapeHTML on; lone surrogates become U+FFFD). */
export function jsonString(s: string): string {
  // Fast path: nothing to escape.
  if (!/["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += "\\u" + HEX[c >> 12]! + HEX[(c >> 8) & 15]! + HEX[(c >> 4) & 15]! + HEX[c & 15]!;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else out += s[i]!;
  }
  return out + '"';
}

/** labels.Labels.MarshalJSON: an object with keys in label order. */
export function labelsJson(ls: Labels): string {
  let out = "{";
  for (let i = 0; i < ls.length; i++) {
    if (i > 0) out += ",";
    out += jsonString(ls[i]!.name) + ":" + jsonString(ls[i]!.value);
  }
  return out + "}";
}

/** jsonutil.MarshalTimestamp: ms as seconds; the fraction keeps three digits, e.g. 1.500. */
export function formatTimestamp(ms: number): string {
  let t = ms;
  let sign = "";
  if (t < 0) {
    sign = "-";
    t = -t;
  }
  const sec = Math.floor(t / 1000);
  const frac = t - sec * 1000;
  if (frac === 0) return sign + sec;
  return sign + sec + "." + String(frac).padStart(3, "0");
}

/** jsonutil.MarshalValue without the quotes: 'f' format, 'e' below 1e-6 and from 1e21 on. */
export function formatValue(v: number): string {
  const abs = Math.abs(v);
  if (abs !== 0 && Number.isFinite(v) && (abs < 1e-6 || abs >= 1e21)) return formatFloatE(v);
  return formatFloatF(v);
}

/** strconv.FormatFloat(v, 'e', -1, 64): shortest digits, exponent with at least two digits. */
export function formatFloatE(v: number): string {
  const [mant, exp] = v.toExponential().split("e") as [string, string];
  const sign = exp[0] === "-" ? "-" : "+";
  const digits = exp.replace(/^[+-]/, "");
  return mant + "e" + sign + (digits.length < 2 ? "0" + digits : digits);
}

/** A point: [seconds, "value"]. */
export function pointJson(t: number, v: number): string {
  return "[" + formatTimestamp(t) + ',"' + formatValue(v) + '"]';
}

/** The response envelope Prometheus writes on success. */
export function successJson(dataJson: string, warnings: readonly string[]): string {
  let out = '{"status":"success","data":' + dataJson;
  if (warnings.length > 0) out += ',"warnings":[' + warnings.map(jsonString).join(",") + "]";
  return out + "}";
}

/** The response envelope Prometheus writes on error (no data, no warnings). */
export function errorJson(errorType: string, message: string): string {
  return '{"status":"error","errorType":' + jsonString(errorType) + ',"error":' + jsonString(message) + "}";
}
