// Go's fmt "%g" for float64 (strconv 'g' with shortest precision), which is
// how promtool prints sample values. Go switches to exponent form when the
// decimal exponent is < -4 or >= 6 for shortest formatting, and always writes
// at least two exponent digits.

export function formatFloatG(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const { digits, exp } = shortestDigits(x);
  const s = exp < -4 || exp >= 6 ? formatE(digits, exp) : formatF(digits, exp);
  return x < 0 ? "-" + s : s;
}

/** strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatF(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const { digits, exp } = shortestDigits(x);
  const s = formatF(digits, exp);
  return x < 0 ? "-" + s : s;
}

/** toExponential() without an argument yields the shortest round-trip digits. */
function shortestDigits(x: number): { digits: string; exp: number } {
  const [mant, expStr] = Math.abs(x).toExponential().split("e") as [string, string];
  return { digits: mant.replace(".", ""), exp: parseInt(expStr, 10) };
}

function formatE(digits: string, exp: number): string {
  const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
  const e = Math.abs(exp);
  return `${m}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" + e : e}`;
}

function formatF(digits: string, exp: number): string {
  if (exp < 0) return "0." + "0".repeat(-exp - 1) + digits;
  if (digits.length <= exp + 1) return digits + "0".repeat(exp + 1 - digits.length);
  return digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
}
