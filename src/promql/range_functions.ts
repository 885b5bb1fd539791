// Functions over range vectors (rate, *_over_time, deriv, ...), computed for
// one series and one step from the samples in its window [lo, hi).

import { execError } from "./errors.js";
import { formatGoFixed } from "./gofloat.js";
import { quantile } from "./quantile.js";
import type { WindowSamples } from "./series_data.js";

export interface RangeCallContext {
  /** Evaluation timestamp of the step. */
  ts: number;
  rangeMs: number;
  /** Effective offset of the range selector (after @ adjustment). */
  offsetMs: number;
  /** Values of the scalar arguments at this step, by argument index. */
  scalars: number[];
}

/** Returns the output value, or undefined for "no sample at this step". */
export type RangeFunction = (w: WindowSamples, lo: number, hi: number, ctx: RangeCallContext) => number | undefined;

/** kahanSumInc with Neumaier's improvement, as Prometheus sums. */
function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/**
 * extrapolatedRate: the increase over the window, extrapolated towards the
 * window bounds when the first/last samples are close enough to them.
 */
function extrapolatedRate(w: WindowSamples, lo: number, hi: number, ctx: RangeCallContext, isCounter: boolean, isRate: boolean): number | undefined {
  if (hi - lo < 2) return undefined;
  const t = w.t;
  const v = w.v;
  const rangeStart = ctx.ts - (ctx.rangeMs + ctx.offsetMs);
  const rangeEnd = ctx.ts - ctx.offsetMs;
  const first = v[lo]!;
  let result = v[hi - 1]! - first;
  if (isCounter) {
    let prev = first;
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (t[lo]! - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - t[hi - 1]!) / 1000;
  const sampledInterval = (t[hi - 1]! - t[lo]!) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (hi - lo - 1);
  if (isCounter && result > 0 && first >= 0) {
    // A counter cannot go below zero: don't extrapolate past its zero point.
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= ctx.rangeMs / 1000;
  return result * factor;
}

function instantValue(w: WindowSamples, lo: number, hi: number, isRate: boolean): number | undefined {
  if (hi - lo < 2) return undefined;
  const last = w.v[hi - 1]!;
  const prev = w.v[hi - 2]!;
  const result = isRate && last < prev ? last : last - prev;
  const sampledInterval = w.t[hi - 1]! - w.t[hi - 2]!;
  if (sampledInterval === 0) return undefined;
  return isRate ? result / (sampledInterval / 1000) : result;
}

/** Least squares fit; slope per second and the intercept at interceptTime. */
function linearRegression(w: WindowSamples, lo: number, hi: number, interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = w.v[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = w.v[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (w.t[i]! - interceptTime) / 1e3;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(y, sumY, cY);
    [sumXY, cXY] = kahanInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

function holtWinters(w: WindowSamples, lo: number, hi: number, ctx: RangeCallContext): number | undefined {
  const sf = ctx.scalars[1]!;
  const tf = ctx.scalars[2]!;
  if (!(sf > 0 && sf < 1)) throw execError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${formatGoFixed(sf)}`);
  if (!(tf > 0 && tf < 1)) throw execError(`invalid trend factor. Expected: 0 < tf < 1, got: ${formatGoFixed(tf)}`);
  const l = hi - lo;
  if (l < 2) return undefined;
  let s0 = 0;
  let s1 = w.v[lo]!;
  let b = w.v[lo + 1]! - w.v[lo]!;
  for (let i = 1; i < l; i++) {
    const x = sf * w.v[lo + i]!;
    // Trend at this point (calcTrendValue).
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

function stdvarOverTime(w: WindowSamples, lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const v = w.v[i]!;
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

export const rangeFunctions: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ["rate", (w, lo, hi, c) => extrapolatedRate(w, lo, hi, c, true, true)],
  ["increase", (w, lo, hi, c) => extrapolatedRate(w, lo, hi, c, true, false)],
  ["delta", (w, lo, hi, c) => extrapolatedRate(w, lo, hi, c, false, false)],
  ["irate", (w, lo, hi) => instantValue(w, lo, hi, true)],
  ["idelta", (w, lo, hi) => instantValue(w, lo, hi, false)],
  [
    "deriv",
    (w, lo, hi) => {
      if (hi - lo < 2) return undefined;
      // Intercept near the samples avoids float precision issues.
      return linearRegression(w, lo, hi, w.t[lo]!)[0];
    },
  ],
  [
    "predict_linear",
    (w, lo, hi, c) => {
      if (hi - lo < 2) return undefined;
      const [slope, intercept] = linearRegression(w, lo, hi, c.ts);
      return slope * c.scalars[1]! + intercept;
    },
  ],
  ["holt_winters", holtWinters],
  [
    "avg_over_time",
    (w, lo, hi) => {
      let mean = 0;
      let count = 0;
      let c = 0;
      for (let i = lo; i < hi; i++) {
        const v = w.v[i]!;
        count++;
        if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
          if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
          if (Number.isFinite(v)) continue;
        }
        [mean, c] = kahanInc(v / count - mean / count, mean, c);
      }
      return !Number.isFinite(mean) && !Number.isNaN(mean) ? mean : mean + c;
    },
  ],
  ["count_over_time", (_w, lo, hi) => hi - lo],
  ["last_over_time", (w, _lo, hi) => w.v[hi - 1]!],
  [
    "max_over_time",
    (w, lo, hi) => {
      let max = w.v[lo]!;
      for (let i = lo; i < hi; i++) {
        const v = w.v[i]!;
        if (v > max || Number.isNaN(max)) max = v;
      }
      return max;
    },
  ],
  [
    "min_over_time",
    (w, lo, hi) => {
      let min = w.v[lo]!;
      for (let i = lo; i < hi; i++) {
        const v = w.v[i]!;
        if (v < min || Number.isNaN(min)) min = v;
      }
      return min;
    },
  ],
  [
    "sum_over_time",
    (w, lo, hi) => {
      let sum = 0;
      let c = 0;
      for (let i = lo; i < hi; i++) [sum, c] = kahanInc(w.v[i]!, sum, c);
      return !Number.isFinite(sum) && !Number.isNaN(sum) ? sum : sum + c;
    },
  ],
  [
    "quantile_over_time",
    (w, lo, hi, c) => {
      const values: number[] = [];
      for (let i = lo; i < hi; i++) values.push(w.v[i]!);
      return quantile(c.scalars[0]!, values);
    },
  ],
  ["stddev_over_time", (w, lo, hi) => Math.sqrt(stdvarOverTime(w, lo, hi))],
  ["stdvar_over_time", (w, lo, hi) => stdvarOverTime(w, lo, hi)],
  ["present_over_time", () => 1],
  ["absent_over_time", () => 1],
  [
    "resets",
    (w, lo, hi) => {
      let resets = 0;
      let prev = w.v[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        const cur = w.v[i]!;
        if (cur < prev) resets++;
        prev = cur;
      }
      return resets;
    },
  ],
  [
    "changes",
    (w, lo, hi) => {
      let changes = 0;
      let prev = w.v[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        const cur = w.v[i]!;
        if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
        prev = cur;
      }
      return changes;
    },
  ],
]);
