// Integer native histogram chunks (encoding 2, histogram.go).
//
// After the 3-byte header and the layout, sample 0 carries t, count and
// zero_count as varbits, the sum as raw float64 bits and the bucket deltas as
// varbit ints. Later samples carry delta-of-deltas (varbit int) for t, the
// counts and every bucket, and the sum XOR-coded. A stale sample (sum =
// StaleNaN) stops after the sum and carries no buckets.

import { BitReader, BitWriter } from "./bstream.js";
import { ChunkDecodeError } from "./errors.js";
import { fromBits, hiBits, loBits } from "./floatbits.js";
import {
  HISTOGRAM_HEADER_BYTES,
  checkBucketCount,
  copyLayout,
  countBuckets,
  headerByte,
  histogramChunkHeader,
  isStaleBits,
  readLayout,
  sameLayout,
  sampleHint,
  writeLayout,
  type HistogramLayout,
} from "./histogram_meta.js";
import { STALE_NAN_HI, STALE_NAN_LO, type CounterResetHint, type HistogramSample } from "./types.js";
import { readVarbitInt, readVarbitUint, writeVarbitInt, writeVarbitUint } from "./varbit.js";
import { NO_WINDOW, newXorState, readXorValue, writeXorValue } from "./xorvalue.js";

const MAX_SAMPLES = 0xffff;

/** Sample count from a histogram chunk header (either histogram encoding). */
export function histogramSampleCount(data: Uint8Array): number {
  if (data.length < HISTOGRAM_HEADER_BYTES) {
    throw new ChunkDecodeError(`histogram chunk too short for its header: ${data.length} bytes`, 0);
  }
  return (data[0] << 8) | data[1];
}

/** What Prometheus' iterator returns for a stale sample: only t and the sum. */
export function staleHistogram(t: number): HistogramSample {
  return {
    t,
    counterResetHint: "unknown",
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 0,
    sum: fromBits(STALE_NAN_HI, STALE_NAN_LO),
    stale: true,
    positiveSpans: [],
    negativeSpans: [],
    positiveDeltas: [],
    negativeDeltas: [],
  };
}

/**
 * Decodes an integer histogram chunk. Span arrays are shared by all samples
 * of the chunk (they are one layout); treat them as read-only.
 */
export function decodeHistogram(data: Uint8Array): HistogramSample[] {
  const n = histogramSampleCount(data);
  const header = histogramChunkHeader(data);
  const out: HistogramSample[] = [];
  if (n === 0) return out;

  const r = new BitReader(data, HISTOGRAM_HEADER_BYTES);
  const layout = readLayout(r);
  const np = countBuckets(layout.positiveSpans);
  const nn = countBuckets(layout.negativeSpans);
  checkBucketCount(r, np + nn, 1);
  // Current bucket deltas (the in-memory representation) and their deltas over time.
  const pBuckets = new Array<number>(np).fill(0);
  const nBuckets = new Array<number>(nn).fill(0);
  const pDelta = new Array<number>(np).fill(0);
  const nDelta = new Array<number>(nn).fill(0);
  const sum = newXorState(0, 0, 0);

  let t = 0;
  let cnt = 0;
  let zCnt = 0;
  let tDelta = 0;
  let cntDelta = 0;
  let zCntDelta = 0;

  for (let i = 0; i < n; i++) {
    if (i === 0) {
      t = readVarbitInt(r, "timestamp of sample 0");
      cnt = readVarbitUint(r, "count of sample 0");
      zCnt = readVarbitUint(r, "zero count of sample 0");
      r.read64(64, "sum of sample 0");
      sum.hi = r.hi;
      sum.lo = r.lo;
      for (let j = 0; j < np; j++) pBuckets[j] = readVarbitInt(r, "positive bucket of sample 0");
      for (let j = 0; j < nn; j++) nBuckets[j] = readVarbitInt(r, "negative bucket of sample 0");
    } else {
      tDelta += readVarbitInt(r, `timestamp of sample ${i}`);
      t += tDelta;
      cntDelta += readVarbitInt(r, `count of sample ${i}`);
      cnt += cntDelta;
      zCntDelta += readVarbitInt(r, `zero count of sample ${i}`);
      zCnt += zCntDelta;
      readXorValue(r, sum, `sum of sample ${i}`);
      if (!isStaleBits(sum.hi, sum.lo)) {
        for (let j = 0; j < np; j++) {
          pDelta[j] += readVarbitInt(r, `positive bucket of sample ${i}`);
          pBuckets[j] += pDelta[j];
        }
        for (let j = 0; j < nn; j++) {
          nDelta[j] += readVarbitInt(r, `negative bucket of sample ${i}`);
          nBuckets[j] += nDelta[j];
        }
      }
    }
    if (isStaleBits(sum.hi, sum.lo)) {
      out.push(staleHistogram(t));
      continue;
    }
    out.push({
      t,
      counterResetHint: sampleHint(header, i),
      schema: layout.schema,
      zeroThreshold: layout.zeroThreshold,
      zeroCount: zCnt,
      count: cnt,
      sum: fromBits(sum.hi, sum.lo),
      stale: false,
      positiveSpans: layout.positiveSpans,
      negativeSpans: layout.negativeSpans,
      positiveDeltas: pBuckets.slice(),
      negativeDeltas: nBuckets.slice(),
    });
  }
  return out;
}

function checkCount(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative safe integer, got ${v}`);
}

/** Throws unless the sample's bucket arrays match its spans. */
export function checkBucketLengths(s: HistogramLayout, np: number, nn: number, what: string): void {
  const wantP = countBuckets(s.positiveSpans);
  const wantN = countBuckets(s.negativeSpans);
  if (np !== wantP || nn !== wantN) {
    throw new RangeError(`${what}: spans describe ${wantP}/${wantN} buckets but ${np}/${nn} were given`);
  }
}

/**
 * Builds an integer histogram chunk byte-identical to Prometheus 2.42's
 * appender, for samples that share one layout (as all samples of one source
 * chunk do). Samples after a stale marker must be stale too, as in Prometheus.
 */
export class HistogramEncoder {
  private readonly w = new BitWriter(HISTOGRAM_HEADER_BYTES);
  private header: CounterResetHint | undefined;
  private layout: HistogramLayout | null = null;
  private num = 0;
  private lastStale = false;
  private t = 0;
  private cnt = 0;
  private zCnt = 0;
  private tDelta = 0;
  private cntDelta = 0;
  private zCntDelta = 0;
  private pBuckets: number[] = [];
  private nBuckets: number[] = [];
  private pDelta: number[] = [];
  private nDelta: number[] = [];
  private readonly sum = newXorState(0, 0, NO_WINDOW);

  /** header: the chunk's counter reset header; defaults to the first sample's hint. */
  constructor(header?: CounterResetHint) {
    this.header = header;
  }

  get numSamples(): number {
    return this.num;
  }

  append(s: HistogramSample): void {
    if (this.num >= MAX_SAMPLES) throw new RangeError(`histogram chunk cannot hold more than ${MAX_SAMPLES} samples`);
    if (!Number.isSafeInteger(s.t)) throw new RangeError(`timestamp must be a safe integer, got ${s.t}`);
    const sumHi = s.stale ? STALE_NAN_HI : hiBits(s.sum);
    const sumLo = s.stale ? STALE_NAN_LO : loBits(s.sum);
    const stale = isStaleBits(sumHi, sumLo);
    if (this.lastStale && !stale) {
      throw new Error(`histogram at ${s.t} follows a stale marker; Prometheus starts a new chunk here`);
    }
    // Prometheus drops everything but the sum of a stale sample.
    const count = stale ? 0 : s.count;
    const zeroCount = stale ? 0 : s.zeroCount;
    const pos = stale ? [] : s.positiveDeltas;
    const neg = stale ? [] : s.negativeDeltas;
    if (!stale) {
      checkCount(count, "count");
      checkCount(zeroCount, "zero count");
      checkBucketLengths(s, pos.length, neg.length, `histogram at ${s.t}`);
    }
    const w = this.w;

    if (this.num === 0) {
      this.header ??= s.counterResetHint;
      const layout: HistogramLayout = stale
        ? { zeroThreshold: 0, schema: 0, positiveSpans: [], negativeSpans: [] }
        : copyLayout(s);
      this.layout = layout;
      writeLayout(w, layout);
      writeVarbitInt(w, s.t);
      writeVarbitUint(w, count);
      writeVarbitUint(w, zeroCount);
      w.writeBits64(sumHi, sumLo, 64);
      for (const b of pos) writeVarbitInt(w, b);
      for (const b of neg) writeVarbitInt(w, b);
      this.pBuckets = pos.slice();
      this.nBuckets = neg.slice();
      this.pDelta = new Array<number>(pos.length).fill(0);
      this.nDelta = new Array<number>(neg.length).fill(0);
      this.sum.hi = sumHi;
      this.sum.lo = sumLo;
      this.tDelta = 0;
      this.cntDelta = 0;
      this.zCntDelta = 0;
    } else {
      if (!stale && this.layout && !sameLayout(this.layout, s)) {
        throw new Error(`histogram at ${s.t} has a different layout than the first sample of the chunk`);
      }
      const tDelta = s.t - this.t;
      const cntDelta = count - this.cnt;
      const zCntDelta = zeroCount - this.zCnt;
      writeVarbitInt(w, tDelta - this.tDelta);
      writeVarbitInt(w, stale ? 0 : cntDelta - this.cntDelta);
      writeVarbitInt(w, stale ? 0 : zCntDelta - this.zCntDelta);
      writeXorValue(w, this.sum, sumHi, sumLo);
      for (let j = 0; j < pos.length; j++) {
        const delta = pos[j] - this.pBuckets[j];
        writeVarbitInt(w, delta - this.pDelta[j]);
        this.pDelta[j] = delta;
        this.pBuckets[j] = pos[j];
      }
      for (let j = 0; j < neg.length; j++) {
        const delta = neg[j] - this.nBuckets[j];
        writeVarbitInt(w, delta - this.nDelta[j]);
        this.nDelta[j] = delta;
        this.nBuckets[j] = neg[j];
      }
      this.tDelta = tDelta;
      this.cntDelta = cntDelta;
      this.zCntDelta = zCntDelta;
    }
    this.t = s.t;
    this.cnt = count;
    this.zCnt = zeroCount;
    this.lastStale = stale;
    this.num++;
  }

  /** A copy of the chunk data (header included). */
  bytes(): Uint8Array {
    const b = this.w.bytes();
    b[0] = this.num >>> 8;
    b[1] = this.num & 0xff;
    b[2] = headerByte(this.header ?? "unknown");
    return b;
  }
}
