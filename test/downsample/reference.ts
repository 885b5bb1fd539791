// An independent, deliberately plain reference of Thanos' downsampling rules
// (pkg/compact/downsample/downsample.go), written as direct loops over arrays
// of {t, v} objects, to check src/downsample against. Rules:
//
// Raw to 5m, per run of float samples:
//  1. Staleness markers (exact StaleNaN bits) are dropped, and so is any sample
//     earlier than the previous kept one (the first must be >= 0).
//  2. Chunk count: x = smallest x >= 1 with floor(E / x) <= 140, where
//     E = floor(floor((last - first) / res) * min(1, n / ((last - first) / 60000))) + 1.
//  3. Batches of floor(n / x) + 1 samples, each extended with the following
//     samples up to the end of its last sample's window (end = t - t%res + res - 1).
//     NaN values count for steps 2-3, then are dropped from the batch.
//  4. In a batch, each window gives a point at min(window end, batch's last t):
//     count, sum, min, max of the window's values; counter = first value plus
//     every increase since (a drop adds the new value: a reset).
//  5. The counter chunk also starts with the batch's first raw (t, v) and ends
//     with (last point's t, last raw value).
//  6. The chunk's time range is [first point, last point].
// 5m to 1h, per run of 5m chunks:
//  7. Chunk count from the same formula with inRes = 5m, outRes = 1h, n = number
//     of count points; batches of floor(chunks / x) whole chunks.
//  8. count/sum/min/max: concatenate that aggregate's points over the batch and
//     window them as in 4, taking the sum (count and sum), min, max.
//  9. counter: concatenate the counter samples, output a cumulative value for
//     each increasing timestamp (drops are resets), a repeated timestamp only
//     replaces the last raw value; then window the output as in 4-5, ending
//     with the last raw value.

export interface P {
  t: number;
  v: number;
}

export interface RefChunk {
  minTime: number;
  maxTime: number;
  count: P[];
  sum: P[];
  min: P[];
  max: P[];
  counter: P[];
}

/** Raw input keeps values in a Float64Array: JS arrays may canonicalise NaN payloads. */
export interface RawChunk {
  t: Float64Array;
  v: Float64Array;
}

function isStaleAt(c: RawChunk, i: number): boolean {
  const dv = new DataView(c.v.buffer, c.v.byteOffset + 8 * i, 8);
  return dv.getUint32(0, true) === 0x00000002 && dv.getUint32(4, true) === 0x7ff00000;
}

function chunkCount(first: number, last: number, inRes: number, outRes: number, n: number): number {
  const span = last - first;
  const possible = Math.floor(span / outRes);
  const fullness = Math.min(1, n / (span / inRes));
  const expected = Math.floor(possible * fullness) + 1;
  let x = 1;
  while (Math.floor(expected / x) > 140) x += 1;
  return x;
}

function windowEnd(t: number, res: number): number {
  return t - (t % res) + res - 1;
}

interface Window {
  t: number;
  values: number[];
}

/** Groups samples into windows; a window's point is at min(end, last t of the list). */
function windows(samples: P[], res: number): Window[] {
  const lastT = samples[samples.length - 1]!.t;
  const out: Window[] = [];
  for (const s of samples) {
    const prev = out[out.length - 1];
    if (prev && s.t <= prev.t) prev.values.push(s.v);
    else out.push({ t: Math.min(windowEnd(s.t, res), lastT), values: [s.v] });
  }
  return out;
}

function minOf(vs: number[]): number {
  let m = Number.MAX_VALUE;
  for (const v of vs) if (v < m) m = v;
  return m;
}

function maxOf(vs: number[]): number {
  let m = -Number.MAX_VALUE;
  for (const v of vs) if (v > m) m = v;
  return m;
}

function sumOf(vs: number[]): number {
  let s = 0;
  for (const v of vs) s += v;
  return s;
}

/** Step 4's counter: per window, the running counter after its last value. */
function counterPoints(ws: Window[]): P[] {
  const out: P[] = [];
  let counter = 0;
  let last = 0;
  let seen = false;
  for (const w of ws) {
    for (const v of w.values) {
      if (!seen) counter = v;
      else counter += v < last ? v : v - last;
      last = v;
      seen = true;
    }
    out.push({ t: w.t, v: counter });
  }
  return out;
}

/** Step 1 over raw chunks. */
export function refExpand(chunks: RawChunk[]): P[] {
  const out: P[] = [];
  for (const c of chunks) {
    let lastT = 0;
    for (let i = 0; i < c.t.length; i++) {
      if (isStaleAt(c, i) || c.t[i]! < lastT) continue;
      out.push({ t: c.t[i]!, v: c.v[i]! });
      lastT = c.t[i]!;
    }
  }
  return out;
}

/** Step 1 for aggregate points (never stale): only the time order rule. */
function expandPoints(lists: P[][]): P[] {
  const out: P[] = [];
  for (const l of lists) {
    let lastT = 0;
    for (const s of l) {
      if (s.t < lastT) continue;
      out.push(s);
      lastT = s.t;
    }
  }
  return out;
}

export function refRaw(data: P[], res: number): RefChunk[] {
  if (data.length === 0) return [];
  const x = chunkCount(data[0]!.t, data[data.length - 1]!.t, 60_000, res, data.length);
  const size = Math.floor(data.length / x) + 1;
  const out: RefChunk[] = [];
  let i = 0;
  while (i < data.length) {
    let j = Math.min(i + size, data.length);
    const end = windowEnd(data[j - 1]!.t, res);
    while (j < data.length && data[j]!.t <= end) j++;
    const batch = data.slice(i, j).filter((s) => !Number.isNaN(s.v));
    i = j;
    if (batch.length === 0) continue;
    const ws = windows(batch, res);
    const pts = (f: (vs: number[]) => number): P[] => ws.map((w) => ({ t: w.t, v: f(w.values) }));
    const counter = [batch[0]!, ...counterPoints(ws), { t: ws[ws.length - 1]!.t, v: batch[batch.length - 1]!.v }];
    out.push({ minTime: ws[0]!.t, maxTime: ws[ws.length - 1]!.t, count: pts((vs) => vs.length), sum: pts(sumOf), min: pts(minOf), max: pts(maxOf), counter });
  }
  return out;
}

/** Step 9's reset-applying reader over concatenated counter samples. */
function applyResets(samples: P[]): { out: P[]; lastRaw: number } {
  const out: P[] = [];
  let lastT = 0;
  let lastV = 0;
  let total = 0;
  for (const s of samples) {
    if (Number.isNaN(s.v)) continue;
    if (out.length === 0) {
      out.push({ t: s.t, v: s.v });
      total = s.v;
    } else if (s.t > lastT) {
      total += s.v >= lastV ? s.v - lastV : s.v;
      out.push({ t: s.t, v: total });
    } else if (s.t < lastT) {
      continue;
    }
    lastT = s.t;
    lastV = s.v;
  }
  return { out, lastRaw: lastV };
}

export function refAggr(chunks: RefChunk[], inRes: number, outRes: number): RefChunk[] {
  if (chunks.length === 0) return [];
  const n = chunks.reduce((a, c) => a + c.count.length, 0);
  const x = chunkCount(chunks[0]!.minTime, chunks[chunks.length - 1]!.maxTime, inRes, outRes, n);
  const size = Math.max(1, Math.floor(chunks.length / x));
  const out: RefChunk[] = [];
  for (let i = 0; i < chunks.length; i += size) {
    const part = chunks.slice(i, i + size);
    const generic = (key: "count" | "sum" | "min" | "max", f: (vs: number[]) => number): P[] => {
      const all = expandPoints(part.map((c) => c[key]));
      return all.length ? windows(all, outRes).map((w) => ({ t: w.t, v: f(w.values) })) : [];
    };
    const count = generic("count", sumOf);
    const sum = generic("sum", sumOf);
    const min = generic("min", minOf);
    const max = generic("max", maxOf);
    const { out: cum, lastRaw } = applyResets(part.flatMap((c) => c.counter));
    const kept = expandPoints([cum]);
    let counter: P[] = [];
    if (kept.length) {
      const ws = windows(kept, outRes);
      counter = [kept[0]!, ...counterPoints(ws), { t: ws[ws.length - 1]!.t, v: lastRaw }];
    }
    const ts = [...count, ...sum, ...min, ...max, ...counter.slice(1)].map((p) => p.t);
    if (ts.length === 0) continue;
    out.push({ minTime: Math.min(...ts), maxTime: Math.max(...ts), count, sum, min, max, counter });
  }
  return out;
}
