// Go float semantics the engine must reproduce: strconv formatting and
// parsing, and math.Pow's special cases that differ from JavaScript's **.

export { formatFloatF } from "../util/gofmt.js";

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
