// Go float semantics the engine must reproduce: strconv formatting and
// parsing, and math.Pow's special cases that differ from JavaScript's **.

/** strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const neg = v < 0;
  const [mant, expStr] = Math.abs(v).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = parseInt(expStr, 10);
  let s: string;
  if (exp < 0) s = "0." + "0".repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) s = digits + "0".repeat(exp + 1 - digits.length);
  else s = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  return neg ? "-" + s : s;
}

const decimalFloat = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** strconv.ParseFloat(s, 64) for decimal, Inf and NaN forms; undefined when invalid. */
export function parseGoFloat(s: string): number | undefined {
  if (decimalFloat.test(s)) return Number(s);
  const lower = s.toLowerCase();
  const unsigned = lower.startsWith("+") || lower.startsWith("-") ? lower.slice(1) : lower;
  if (unsigned === "inf" || unsigned === "infinity") return lower.startsWith("-") ? -Infinity : Infinity;
  if (lower === "nan") return NaN;
  return undefined;
}

/** Go's math.Pow: unlike **, 1^y is 1 for any y and (-1)^±Inf is 1. */
export function goPow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

/** Go's fmt %f: six decimals; infinities as +Inf/-Inf. */
export function formatGoFixed(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return v.toFixed(6);
}
