// Calendar fields as Go's time package computes them, for the date
// functions (hour(), year(), days_in_month(), ...). Go converts a float
// sample to int64 seconds (NaN, ±Inf and out-of-range values become the
// minimum int64 on amd64) and its calendar arithmetic wraps around in
// 64 bits, so for such values Prometheus returns dates far outside what a
// JS Date can represent. We reproduce the integer algorithm with BigInt.

const U64 = 1n << 64n;
const I64_MIN = -(1n << 63n);

const secondsPerDay = 86400n;
const daysPer400Years = 365n * 400n + 97n;
const daysPer100Years = 365n * 100n + 24n;
const daysPer4Years = 365n * 4n + 1n;
const absoluteZeroYear = -292277022399n;
/** (absoluteZeroYear - 1) * 365.2425 * secondsPerDay, exact as Go's constant arithmetic (Go 1.19, which built 2.42). */
const absoluteToInternal = -9223371966579724800n;
const internalToAbsolute = -absoluteToInternal;
const unixToInternal = 62135596800n;
const daysBefore = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365].map(BigInt);

function wrapI64(x: bigint): bigint {
  const u = ((x % U64) + U64) % U64;
  return u >= 1n << 63n ? u - U64 : u;
}

function wrapU64(x: bigint): bigint {
  return ((x % U64) + U64) % U64;
}

/** Go's int64(f) on amd64: truncation, or the minimum int64 when f is NaN, infinite or out of range. */
export function goFloatToInt64(f: number): bigint {
  if (!Number.isFinite(f) || f >= 9223372036854775807 || f < -9223372036854775808) return I64_MIN;
  return BigInt(Math.trunc(f));
}

function isLeap(year: bigint): boolean {
  return year % 4n === 0n && (year % 100n !== 0n || year % 400n === 0n);
}

export interface GoDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  /** 1..366 */
  yearDay: number;
  /** 0 = Sunday */
  weekday: number;
  hour: number;
  minute: number;
}

/** time.Unix(sec, 0).UTC() broken into fields. */
export function goUnixDate(sec: bigint): GoDate {
  const abs = wrapU64(wrapI64(sec + (unixToInternal + internalToAbsolute)));
  const d = absDate(abs);
  return {
    ...d,
    // Absolute day 0 was a Monday.
    weekday: Number(((abs + 1n * secondsPerDay) % (7n * secondsPerDay)) / secondsPerDay),
    hour: Number((abs % secondsPerDay) / 3600n),
    minute: Number((abs % 3600n) / 60n),
  };
}

function absDate(abs: bigint): { year: number; month: number; day: number; yearDay: number } {
  let d = abs / secondsPerDay;
  let n = d / daysPer400Years;
  let y = 400n * n;
  d -= daysPer400Years * n;
  n = d / daysPer100Years;
  n -= n >> 2n;
  y += 100n * n;
  d -= daysPer100Years * n;
  n = d / daysPer4Years;
  y += 4n * n;
  d -= daysPer4Years * n;
  n = d / 365n;
  n -= n >> 2n;
  y += n;
  d -= 365n * n;
  const year = wrapI64(y + absoluteZeroYear);
  const yday = d;
  let day = yday;
  if (isLeap(year)) {
    if (day > 31n + 29n - 1n) day--;
    else if (day === 31n + 29n - 1n) return { year: Number(year), month: 2, day: 29, yearDay: Number(yday) + 1 };
  }
  let month = day / 31n;
  const end = daysBefore[Number(month) + 1]!;
  let begin: bigint;
  if (day >= end) {
    month++;
    begin = end;
  } else {
    begin = daysBefore[Number(month)]!;
  }
  return { year: Number(year), month: Number(month) + 1, day: Number(day - begin + 1n), yearDay: Number(yday) + 1 };
}

/** days_in_month as Prometheus computes it: 32 - time.Date(year, month, 32, ...).Day(). */
export function goDaysInMonth(year: number, month: number): number {
  const yb = BigInt(year);
  let dse = wrapU64(yb - absoluteZeroYear);
  let n = dse / 400n;
  let y = dse - 400n * n;
  let days = daysPer400Years * n;
  n = y / 100n;
  y -= 100n * n;
  days += daysPer100Years * n;
  n = y / 4n;
  y -= 4n * n;
  days += daysPer4Years * n;
  days += 365n * y;
  dse = days;
  let d = dse + daysBefore[month - 1]!;
  if (isLeap(yb) && month >= 3) d++;
  d += 31n;
  const abs = wrapU64(d * secondsPerDay);
  return 32 - absDate(abs).day;
}
