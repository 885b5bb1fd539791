// Request parameters the way Prometheus 2.42 reads them (Go net/http forms,
// web/api/v1 parseTime/parseDuration, promql ParseMetricSelector), so the
// same request gets the same values — and the same error texts — here.

import { goQuote } from "../../model/labels.js";
import type { Matcher } from "../../model/matchers.js";
import { ParseError, PromQLError } from "../../promql/errors.js";
import { parseGoFloat } from "../../promql/gofloat.js";
import { parseExpr } from "../../promql/parser.js";

/** An invalid request: errorType bad_data, HTTP 400. */
export class BadDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadDataError";
  }
}

/** Go's errors.Wrapf(err, "invalid parameter %q", name). */
export function invalidParam(name: string, message: string): BadDataError {
  return new BadDataError(`invalid parameter ${goQuote(name)}: ${message}`);
}

// ---------------------------------------------------------------------------
// Forms (net/http Request.ParseForm).

/** Go's http maxFormSize for url-encoded bodies. */
export const MAX_FORM_BYTES = 10 << 20;

export class Form {
  /** Values per key: POST body values first, then URL query values (Go's r.Form order). */
  readonly values = new Map<string, string[]>();
  /** The first parse error, as ParseForm would return it. */
  error: string | undefined;

  /** r.FormValue: the first value, or "". */
  get(key: string): string {
    return this.values.get(key)?.[0] ?? "";
  }

  all(key: string): string[] {
    return this.values.get(key) ?? [];
  }

  /** Appends the pairs of a url-encoded string (url.ParseQuery). */
  addEncoded(s: string): void {
    for (const part of s.split("&")) {
      if (part === "") continue;
      if (part.includes(";")) {
        this.error ??= "invalid semicolon separator in query";
        continue;
      }
      const eq = part.indexOf("=");
      const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      const v = queryUnescape(eq < 0 ? "" : part.slice(eq + 1));
      if (typeof k !== "string") {
        this.error ??= k.error;
        continue;
      }
      if (typeof v !== "string") {
        this.error ??= v.error;
        continue;
      }
      let list = this.values.get(k);
      if (!list) this.values.set(k, (list = []));
      list.push(v);
    }
  }
}

/** url.QueryUnescape: "+" is a space; a bad %-escape is an error (returned as its message). */
function queryUnescape(s: string): string | { error: string } {
  if (!s.includes("%") && !s.includes("+")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        let bad = s.slice(i, i + 3);
        if (bad.length > 3) bad = bad.slice(0, 3);
        return { error: `invalid URL escape ${goQuote(bad)}` };
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b) bytes.push(0x20);
    else for (const b of Buffer.from(s[i]!, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * Go's ParseForm for a request: a url-encoded POST/PUT/PATCH body (at most
 * 10 MiB) comes first, then the URL query. Other body types are ignored.
 */
export async function readForm(req: AsyncIterable<Buffer | string> & { method?: string | undefined; headers: Record<string, string | string[] | undefined> }, rawQuery: string): Promise<Form> {
  const form = new Form();
  const method = req.method ?? "GET";
  const ct = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if ((method === "POST" || method === "PUT" || method === "PATCH") && ct === "application/x-www-form-urlencoded") {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of req) {
      const b = typeof c === "string" ? Buffer.from(c) : c;
      n += b.length;
      if (n > MAX_FORM_BYTES) {
        form.error ??= "http: POST too large";
        break;
      }
      chunks.push(b);
    }
    if (n <= MAX_FORM_BYTES) form.addEncoded(Buffer.concat(chunks).toString("utf8"));
  }
  // Query values after body values; a body error takes precedence.
  const q = new Form();
  q.addEncoded(rawQuery);
  for (const [k, vs] of q.values) {
    const list = form.values.get(k);
    if (list) list.push(...vs);
    else form.values.set(k, [...vs]);
  }
  form.error ??= q.error;
  return form;
}

// ---------------------------------------------------------------------------
// Times (web/api/v1 parseTime). Results are milliseconds, as
// timestamp.FromTime computes them from the parsed time.Time.

/** time.Unix(math.MinInt64/1000+62135596801, 0): the default start of series/labels calls. */
export const MIN_TIME_MS = -9223309901257974000;
/** time.Unix(math.MaxInt64/1000-62135596801, 999999999): the default end. */
export const MAX_TIME_MS = 9223309901257974999;
const MIN_TIME_FORMATTED = "-292273086-05-16T16:47:06Z";
const MAX_TIME_FORMATTED = "292277025-08-18T07:12:54.999999999Z";

const TWO63 = 9223372036854775808;

/** Go's float64 → int64 conversion on amd64: NaN and out-of-range values become MinInt64. */
function goInt64(f: number): number {
  if (Number.isNaN(f) || f >= TWO63 || f < -TWO63) return -TWO63;
  return Math.trunc(f);
}

const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/;

/** strconv underscoreOK: "_" only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && /[bBoOxX]/.test(s[1]!)) {
    i = 2;
    saw = "0";
    hex = s[1] === "x" || s[1] === "X";
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

/** strconv.ParseFloat(s, 64): decimal and hexadecimal (p exponent) literals with Go's digit separators, Inf and NaN; undefined on a syntax or range error. */
export function parseFloat64(s: string): number | undefined {
  if (s.includes("_")) {
    if (!underscoreOK(s)) return undefined;
    s = s.replaceAll("_", "");
  }
  const d = parseGoFloat(s);
  if (d !== undefined) {
    // An overflow is ErrRange, not a value.
    if (!Number.isFinite(d) && !Number.isNaN(d) && !/inf/i.test(s)) return undefined;
    return d;
  }
  const m = HEX_FLOAT.exec(s);
  if (!m || (m[2] === "" && !m[3])) return undefined;
  const digits = m[2]! + (m[3] ?? "");
  const v = Number(BigInt("0x" + digits)) * 2 ** (Number(m[4]) - 4 * (m[3]?.length ?? 0));
  return m[1] === "-" ? -v : v;
}

/** Go's math.Round: halves away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** parseTime: unix seconds (float) or RFC 3339; milliseconds. */
export function parseTime(s: string): number {
  const f = parseFloat64(s);
  if (f !== undefined) {
    // math.Modf, then the fraction rounded to milliseconds, then time.Unix(sec, nsec).
    const sec = goInt64(Math.trunc(f));
    const frac = f - Math.trunc(f);
    const ns = goInt64((goRound(frac * 1000) / 1000) * 1e9);
    if (!Number.isFinite(f)) return sec * 1000;
    // time.Unix normalises nsec into [0, 1e9); FromTime floors it to ms.
    let secN = sec;
    let nsN = ns;
    if (nsN < 0) {
      secN -= 1;
      nsN += 1e9;
    }
    return secN * 1000 + Math.floor(nsN / 1e6);
  }
  const t = parseRFC3339(s);
  if (t !== undefined) return t;
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  throw new BadDataError(`cannot parse ${goQuote(s)} to a valid timestamp`);
}

/**
 * The engine's view of a query time: Prometheus converts it with
 * t.UnixNano()/1e6, which wraps around past the year 2262.
 */
export function engineTimeMs(ms: number): number {
  if (Math.abs(ms) < 9.2e12) return ms;
  return Number(BigInt.asIntN(64, BigInt(Math.trunc(ms)) * 1_000_000n) / 1_000_000n);
}

/** parseTimeParam: the default when empty; errors wrapped like Prometheus. */
export function parseTimeParam(form: Form, name: string, dflt: number): number {
  const v = form.get(name);
  if (v === "") return dflt;
  try {
    return parseTime(v);
  } catch (e) {
    throw invalidParam(name, `Invalid time value for '${name}': ${(e as Error).message}`);
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})$/;

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** time.Parse(time.RFC3339Nano, s) → ms, or undefined when Go would reject it. */
function parseRFC3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, min, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || min > 59 || sec > 59) return undefined;
  // Go keeps nine fractional digits and drops the rest.
  const nanos = m[7] ? Number((m[7] + "000000000").slice(0, 9)) : 0;
  let offsetSec = 0;
  if (m[8] !== "Z") {
    const sign = m[8]![0] === "-" ? -1 : 1;
    offsetSec = sign * (Number(m[8]!.slice(1, 3)) * 3600 + Number(m[8]!.slice(4, 6)) * 60);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, 0);
  return d.getTime() - offsetSec * 1000 + Math.floor(nanos / 1e6);
}

// ---------------------------------------------------------------------------
// Durations (web/api/v1 parseDuration). Results are nanoseconds, as Go's
// time.Duration; callers convert with durationMs.

const MAX_INT64 = 9223372036854775807;

/** parseDuration: float seconds or a Prometheus duration ("5m", "1h30m"); nanoseconds. */
export function parseDurationNs(s: string): number {
  const f = parseFloat64(s);
  if (f !== undefined) {
    const ns = f * 1e9;
    if (ns > MAX_INT64 || ns < -MAX_INT64 - 1) throw new BadDataError(`cannot parse ${goQuote(s)} to a valid duration. It overflows int64`);
    return goInt64(ns);
  }
  const d = modelDurationMs(s);
  if (d !== undefined) return d * 1e6;
  throw new BadDataError(`cannot parse ${goQuote(s)} to a valid duration`);
}

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS_MS = [365 * 86400000, 7 * 86400000, 86400000, 3600000, 60000, 1000, 1];

/** Prometheus common/model.ParseDuration in ms, undefined when invalid or out of range. */
function modelDurationMs(s: string): number | undefined {
  if (s === "0") return 0;
  if (s === "") return undefined;
  const m = DURATION_RE.exec(s);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < UNITS_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNITS_MS[i]!;
  // time.Duration holds about 292 years of nanoseconds.
  if (ms * 1e6 > MAX_INT64) return undefined;
  return ms;
}

/** Duration in ms as Prometheus uses it for steps and ranges: int64(d / time.Millisecond). */
export function durationMs(ns: number): number {
  return Math.trunc(ns / 1e6);
}

// ---------------------------------------------------------------------------
// match[] (parser.ParseMetricSelector + parseMatchersParam).

const EMPTY_MATCHERS = "vector selector must contain at least one non-empty matcher";

/**
 * Parses match[] selectors with the PromQL parser. Selectors whose matchers
 * all match the empty string are rejected after all parsed, as Prometheus does.
 */
export function parseMatchersParam(selectors: readonly string[]): Matcher[][] {
  const sets: Matcher[][] = [];
  let allEmpty = false;
  for (const s of selectors) {
    let expr;
    try {
      expr = parseExpr(s);
    } catch (e) {
      if (e instanceof ParseError && e.detail === EMPTY_MATCHERS) {
        // ParseMetricSelector does not run that check; parseMatchersParam reports it below.
        allEmpty = true;
        sets.push([]);
        continue;
      }
      if (e instanceof PromQLError) throw new BadDataError(e.message);
      throw e;
    }
    if (expr.kind !== "VectorSelector" || expr.offsetMs !== 0 || expr.timestamp !== null || expr.startOrEnd !== null) {
      throw new BadDataError(`1:1: parse error: expected a metric selector, got ${goQuote(s)}`);
    }
    sets.push(expr.matchers);
  }
  if (allEmpty) throw new BadDataError("match[] must contain at least one non-empty matcher");
  return sets;
}
