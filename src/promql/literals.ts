// Literal syntax with the exact rules of Prometheus 2.42: Go string
// unquoting (strutil.Unquote), numbers (strconv.ParseInt base 0, then
// ParseFloat) and durations (prometheus/common model.ParseDuration).

/** Thrown for malformed literals; the parser turns it into a ParseError. */
export class LiteralError extends Error {}

const utf8Decoder = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

/**
 * Unquotes a '…', "…" or `…` literal. \x and octal escapes produce raw bytes,
 * as in Go; the result is decoded as UTF-8 (invalid bytes become U+FFFD,
 * where Go would keep them).
 */
export function unquote(s: string): string {
  const n = s.length;
  if (n < 2) throw new LiteralError("invalid syntax");
  const quote = s[0]!;
  if (quote !== s[n - 1]) throw new LiteralError("invalid syntax");
  const body = s.slice(1, n - 1);
  if (quote === "`") {
    if (body.includes("`")) throw new LiteralError("invalid syntax");
    return body;
  }
  if (quote !== '"' && quote !== "'") throw new LiteralError("invalid syntax");
  if (body.includes("\n")) throw new LiteralError("invalid syntax");
  if (!body.includes("\\") && !body.includes(quote)) return body;

  const bytes: number[] = [];
  let i = 0;
  const pushString = (str: string): void => {
    for (const b of utf8Encoder.encode(str)) bytes.push(b);
  };
  while (i < body.length) {
    const c = body[i]!;
    if (c === quote) throw new LiteralError("invalid syntax");
    if (c !== "\\") {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushString(ch);
      i += ch.length;
      continue;
    }
    if (i + 1 >= body.length) throw new LiteralError("invalid syntax");
    const e = body[i + 1]!;
    i += 2;
    switch (e) {
      case "a":
        bytes.push(7);
        break;
      case "b":
        bytes.push(8);
        break;
      case "f":
        bytes.push(12);
        break;
      case "n":
        bytes.push(10);
        break;
      case "r":
        bytes.push(13);
        break;
      case "t":
        bytes.push(9);
        break;
      case "v":
        bytes.push(11);
        break;
      case "\\":
        bytes.push(92);
        break;
      case "'":
      case '"':
        if (e !== quote) throw new LiteralError("invalid syntax");
        bytes.push(e.charCodeAt(0));
        break;
      case "x":
      case "u":
      case "U": {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = body.slice(i, i + len);
        if (hex.length < len || !/^[0-9a-fA-F]+$/.test(hex)) throw new LiteralError("invalid syntax");
        i += len;
        const v = parseInt(hex, 16);
        if (e === "x") {
          bytes.push(v);
        } else {
          if (v > 0x10ffff) throw new LiteralError("invalid syntax");
          // Go encodes surrogate halves as U+FFFD.
          pushString(v >= 0xd800 && v < 0xe000 ? "\ufffd" : String.fromCodePoint(v));
        }
        break;
      }
      default: {
        if (e >= "0" && e <= "7") {
          const oct = body.slice(i, i + 2);
          if (oct.length < 2 || !/^[0-7]{2}$/.test(oct)) throw new LiteralError("invalid syntax");
          i += 2;
          const v = parseInt(e + oct, 8);
          if (v > 255) throw new LiteralError("invalid syntax");
          bytes.push(v);
          break;
        }
        throw new LiteralError("invalid syntax");
      }
    }
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}

const int64Max = (1n << 63n) - 1n;

/** parser.number: strconv.ParseInt(val, 0, 64), falling back to ParseFloat. */
export function parseNumber(val: string): number {
  const asInt = parseGoInt(val);
  if (asInt !== undefined) return asInt;
  const lower = val.toLowerCase();
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") return Infinity;
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  if (lower === "nan") return NaN;
  if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(val)) return Number(val);
  throw new LiteralError(`strconv.ParseFloat: parsing ${JSON.stringify(val)}: invalid syntax`);
}

/** Integer forms ParseInt accepts with base 0 (hex, octal, decimal), within int64. */
function parseGoInt(val: string): number | undefined {
  let big: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(val)) big = BigInt(val);
  else if (/^0[0-7]+$/.test(val)) big = BigInt("0o" + val.slice(1));
  else if (/^(0|[1-9][0-9]*)$/.test(val)) big = BigInt(val);
  else return undefined;
  if (big > int64Max) return undefined;
  return Number(big);
}

const durationRE = /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;
const unitMs = [365 * 86400000, 7 * 86400000, 86400000, 3600000, 60000, 1000, 1];
/** time.Duration holds nanoseconds in an int64. */
const maxDurationMs = Number(int64Max / 1000000n);

/** model.ParseDuration in milliseconds. */
export function parseDurationMs(s: string): number {
  if (s === "0") return 0;
  if (s === "") throw new LiteralError("empty duration string");
  const m = durationRE.exec(s);
  if (!m) throw new LiteralError(`not a valid duration string: ${JSON.stringify(s)}`);
  let total = 0;
  for (let i = 0; i < unitMs.length; i++) {
    const part = m[i + 1];
    if (part === undefined) continue;
    total += Number(part) * unitMs[i]!;
  }
  if (total > maxDurationMs) throw new LiteralError("duration out of range");
  return total;
}

/** A duration literal of a range, offset or step: must also be non-zero. */
export function parsePositiveDurationMs(s: string): number {
  const d = parseDurationMs(s);
  if (d === 0) throw new LiteralError("duration must be greater than 0");
  return d;
}

/** model.Duration.String(): the largest units first, e.g. 1h30m, 0s. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0s";
  let out = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  const units: [string, number][] = [
    ["y", unitMs[0]!],
    ["w", unitMs[1]!],
    ["d", unitMs[2]!],
    ["h", unitMs[3]!],
    ["m", unitMs[4]!],
    ["s", unitMs[5]!],
    ["ms", 1],
  ];
  for (const [u, size] of units) {
    const q = Math.floor(rest / size);
    if (q > 0) {
      out += `${q}${u}`;
      rest -= q * size;
    }
  }
  return out;
}
