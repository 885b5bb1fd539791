// Quantiles (quantile(), quantile_over_time(), histogram_quantile() over
// classic buckets) with the rules of Prometheus 2.42's quantile.go.

export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * φ-quantile of classic histogram buckets, interpolating linearly within a
 * bucket. NaN for q NaN, no +Inf bucket, fewer than 2 buckets or no
 * observations; ±Inf for q outside [0, 1]. Sorts `buckets` in place.
 */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN;
  const bs = coalesce(buckets);
  ensureMonotonic(bs);
  if (bs.length < 2) return NaN;
  const observations = bs[bs.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // First bucket (excluding the last) whose cumulative count reaches rank.
  let b = 0;
  let hi = bs.length - 1;
  while (b < hi) {
    const mid = (b + hi) >>> 1;
    if (bs[mid]!.count >= rank) hi = mid;
    else b = mid + 1;
  }
  if (b === bs.length - 1) return bs[bs.length - 2]!.upperBound;
  if (b === 0 && bs[0]!.upperBound <= 0) return bs[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = bs[b]!.upperBound;
  let count = bs[b]!.count;
  if (b > 0) {
    bucketStart = bs[b - 1]!.upperBound;
    count -= bs[b - 1]!.count;
    rank -= bs[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Merges buckets with equal upper bounds (input sorted). */
function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  let last = { ...buckets[0]! };
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (b.upperBound === last.upperBound) last.count += b.count;
    else {
      out.push(last);
      last = { ...b };
    }
  }
  out.push(last);
  return out;
}

/** Buckets scraped non-atomically can decrease; take the running maximum. */
function ensureMonotonic(buckets: Bucket[]): void {
  let max = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const c = buckets[i]!.count;
    if (c > max) max = c;
    else if (c < max) buckets[i]!.count = max;
  }
}

/**
 * quantile() over plain values, weighted between neighbours. NaN for no
 * values or q NaN; ±Inf for q outside [0, 1]. Sorts `values` in place.
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  // NaN sorts first, as vectorByValueHeap.Less does.
  values.sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}
