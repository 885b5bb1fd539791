// Row sets of a shard as sorted, disjoint half-open ranges [start, end).

export type RowRanges = [number, number][];

export function rangesFromRows(rows: readonly number[]): RowRanges {
  const out: RowRanges = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last[1] === r) last[1]++;
    else out.push([r, r + 1]);
  }
  return out;
}

export function intersectRanges(a: RowRanges, b: RowRanges): RowRanges {
  const out: RowRanges = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]![0], b[j]![0]);
    const e = Math.min(a[i]![1], b[j]![1]);
    if (s < e) out.push([s, e]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

export function countRows(r: RowRanges): number {
  let n = 0;
  for (const [s, e] of r) n += e - s;
  return n;
}
