// Float native histogram chunks (encoding 3, float_histogram.go).
//
// Same header and layout as integer histograms. Sample 0 carries t as a
// varbit int and count, zero_count, sum and every bucket as raw float64 bits;
// later samples carry a varbit-int timestamp delta-of-delta and each float
// XOR-coded against its own predecessor. Buckets are absolute counts.

import { BitReader, BitWriter } from "./bstream.js";
import { fromBits, hiBits, loBits } from "./floatbits.js";
import { checkBucketLengths, histogramSampleCount } from "./histogram.js";
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
import { STALE_NAN_HI, STALE_NAN_LO, type CounterResetHint, type FloatHistogramSample } from "./types.js";
import { readVarbitInt, writeVarbitInt } from "./varbit.js";
import { NO_WINDOW, newXorState, readXorValue, writeXorValue, type XorState } from "./xorvalue.js";

const MAX_SAMPLES = 0xffff;

/** What Prometheus' iterator returns for a stale sample: only t and the sum. */
export function staleFloatHistogram(t: number): FloatHistogramSample {
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
    positiveCounts: [],
    negativeCounts: [],
  };
}

function readRaw(r: BitReader, st: XorState, what: string): void {
  r.read64(64, what);
  st.hi = r.hi;
  st.lo = r.lo;
}

function values(states: readonly XorState[]): number[] {
  const out = new Array<number>(states.length);
  for (let i = 0; i < states.length; i++) out[i] = fromBits(states[i].hi, states[i].lo);
  return out;
}

/**
 * Decodes a float histogram chunk. Span arrays are shared by all samples of
 * the chunk (they are one layout); treat them as read-only.
 */
export function decodeFloatHistogram(data: Uint8Array): FloatHistogramSample[] {
  const n = histogramSampleCount(data);
  const header = histogramChunkHeader(data);
  const out: FloatHistogramSample[] = [];
  if (n === 0) return out;

  const r = new BitReader(data, HISTOGRAM_HEADER_BYTES);
  const layout = readLayout(r);
  const np = countBuckets(layout.positiveSpans);
  const nn = countBuckets(layout.negativeSpans);
  checkBucketCount(r, np + nn, 64);
  // Readers start with an empty (0, 0) window, as Prometheus' iterator does.
  const cnt = newXorState(0, 0, 0);
  const zCnt = newXorState(0, 0, 0);
  const sum = newXorState(0, 0, 0);
  const pos = Array.from({ length: np }, () => newXorState(0, 0, 0));
  const neg = Array.from({ length: nn }, () => newXorState(0, 0, 0));
  let t = 0;
  let tDelta = 0;

  for (let i = 0; i < n; i++) {
    if (i === 0) {
      t = readVarbitInt(r, "timestamp of sample 0");
      readRaw(r, cnt, "count of sample 0");
      readRaw(r, zCnt, "zero count of sample 0");
      readRaw(r, sum, "sum of sample 0");
      for (const st of pos) readRaw(r, st, "positive bucket of sample 0");
      for (const st of neg) readRaw(r, st, "negative bucket of sample 0");
    } else {
      tDelta += readVarbitInt(r, `timestamp of sample ${i}`);
      t += tDelta;
      readXorValue(r, cnt, `count of sample ${i}`);
      readXorValue(r, zCnt, `zero count of sample ${i}`);
      readXorValue(r, sum, `sum of sample ${i}`);
      if (!isStaleBits(sum.hi, sum.lo)) {
        for (const st of pos) readXorValue(r, st, `positive bucket of sample ${i}`);
        for (const st of neg) readXorValue(r, st, `negative bucket of sample ${i}`);
      }
    }
    if (isStaleBits(sum.hi, sum.lo)) {
      out.push(staleFloatHistogram(t));
      continue;
    }
    out.push({
      t,
      counterResetHint: sampleHint(header, i),
      schema: layout.schema,
      zeroThreshold: layout.zeroThreshold,
      zeroCount: fromBits(zCnt.hi, zCnt.lo),
      count: fromBits(cnt.hi, cnt.lo),
      sum: fromBits(sum.hi, sum.lo),
      stale: false,
      positiveSpans: layout.positiveSpans,
      negativeSpans: layout.negativeSpans,
      positiveCounts: values(pos),
      negativeCounts: values(neg),
    });
  }
  return out;
}

/**
 * Builds a float histogram chunk byte-identical to Prometheus 2.42's appender,
 * for samples that share one layout. Samples after a stale marker must be
 * stale too, as in Prometheus.
 */
export class FloatHistogramEncoder {
  private readonly w = new BitWriter(HISTOGRAM_HEADER_BYTES);
  private header: CounterResetHint | undefined;
  private layout: HistogramLayout | null = null;
  private num = 0;
  private lastStale = false;
  private t = 0;
  private tDelta = 0;
  private readonly cnt = newXorState(0, 0, NO_WINDOW);
  private readonly zCnt = newXorState(0, 0, NO_WINDOW);
  private readonly sum = newXorState(0, 0, NO_WINDOW);
  private pos: XorState[] = [];
  private neg: XorState[] = [];

  /** header: the chunk's counter reset header; defaults to the first sample's hint. */
  constructor(header?: CounterResetHint) {
    this.header = header;
  }

  get numSamples(): number {
    return this.num;
  }

  append(s: FloatHistogramSample): void {
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
    const pos = stale ? [] : s.positiveCounts;
    const neg = stale ? [] : s.negativeCounts;
    if (!stale) checkBucketLengths(s, pos.length, neg.length, `histogram at ${s.t}`);
    const w = this.w;

    if (this.num === 0) {
      this.header ??= s.counterResetHint;
      const layout: HistogramLayout = stale
        ? { zeroThreshold: 0, schema: 0, positiveSpans: [], negativeSpans: [] }
        : copyLayout(s);
      this.layout = layout;
      writeLayout(w, layout);
      writeVarbitInt(w, s.t);
      this.writeRaw(this.cnt, count);
      this.writeRaw(this.zCnt, zeroCount);
      w.writeBits64(sumHi, sumLo, 64);
      this.sum.hi = sumHi;
      this.sum.lo = sumLo;
      this.pos = pos.map(() => newXorState(0, 0, NO_WINDOW));
      this.neg = neg.map(() => newXorState(0, 0, NO_WINDOW));
      for (let j = 0; j < pos.length; j++) this.writeRaw(this.pos[j], pos[j]);
      for (let j = 0; j < neg.length; j++) this.writeRaw(this.neg[j], neg[j]);
      this.tDelta = 0;
    } else {
      if (!stale && this.layout && !sameLayout(this.layout, s)) {
        throw new Error(`histogram at ${s.t} has a different layout than the first sample of the chunk`);
      }
      const tDelta = s.t - this.t;
      writeVarbitInt(w, tDelta - this.tDelta);
      writeXorValue(w, this.cnt, hiBits(count), loBits(count));
      writeXorValue(w, this.zCnt, hiBits(zeroCount), loBits(zeroCount));
      writeXorValue(w, this.sum, sumHi, sumLo);
      for (let j = 0; j < pos.length; j++) writeXorValue(w, this.pos[j], hiBits(pos[j]), loBits(pos[j]));
      for (let j = 0; j < neg.length; j++) writeXorValue(w, this.neg[j], hiBits(neg[j]), loBits(neg[j]));
      this.tDelta = tDelta;
    }
    this.t = s.t;
    this.lastStale = stale;
    this.num++;
  }

  private writeRaw(st: XorState, v: number): void {
    st.hi = hiBits(v);
    st.lo = loBits(v);
    this.w.writeBits64(st.hi, st.lo, 64);
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
