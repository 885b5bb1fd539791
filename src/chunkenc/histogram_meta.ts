// Pieces shared by both native histogram chunk encodings (histogram_meta.go):
// the 3-byte header, the chunk layout (zero threshold, schema, spans) and the
// per-sample counter reset hint.

import type { BitReader, BitWriter } from "./bstream.js";
import { ChunkDecodeError } from "./errors.js";
import { fromBits, hiBits, loBits } from "./floatbits.js";
import { STALE_NAN_HI, STALE_NAN_LO, type CounterResetHint, type Span } from "./types.js";
import { readVarbitInt, readVarbitUint, writeVarbitInt, writeVarbitUint } from "./varbit.js";

/** num_samples (2 bytes) + flags byte. */
export const HISTOGRAM_HEADER_BYTES = 3;

const HEADER_BITS: Record<CounterResetHint, number> = {
  unknown: 0b00,
  reset: 0b10,
  not_reset: 0b01,
  gauge: 0b11,
};
const HINTS: readonly CounterResetHint[] = ["unknown", "not_reset", "reset", "gauge"];

/** The counter reset header (flags bits 7-6) of a histogram chunk. */
export function histogramChunkHeader(data: Uint8Array): CounterResetHint {
  if (data.length < HISTOGRAM_HEADER_BYTES) {
    throw new ChunkDecodeError(`histogram chunk too short for its header: ${data.length} bytes`, 0);
  }
  return HINTS[data[2] >>> 6];
}

/** The flags byte for a counter reset header. */
export function headerByte(hint: CounterResetHint): number {
  return HEADER_BITS[hint] << 6;
}

/** Hint Prometheus 2.42 attaches to the sample at index i (counterResetHint()). */
export function sampleHint(header: CounterResetHint, i: number): CounterResetHint {
  if (header === "gauge") return "gauge";
  if (i > 0) return "not_reset";
  return header === "reset" ? "reset" : "unknown";
}

export interface HistogramLayout {
  zeroThreshold: number;
  schema: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
}

export function readZeroThreshold(r: BitReader): number {
  const b = r.readByte("zero threshold");
  if (b === 0) return 0;
  if (b === 255) {
    r.read64(64, "zero threshold");
    return fromBits(r.hi, r.lo);
  }
  // math.Ldexp(0.5, b-243) = 2^(b-244), built from the exponent bits.
  return fromBits((b - 244 + 1023) << 20, 0);
}

export function writeZeroThreshold(w: BitWriter, threshold: number): void {
  if (threshold === 0) {
    w.writeByte(0);
    return;
  }
  // One byte when threshold = 0.5 * 2^exp (Go's Frexp) with -242 <= exp <= 11:
  // a positive normal power of two.
  const hi = hiBits(threshold);
  const lo = loBits(threshold);
  const biased = (hi >>> 20) & 0x7ff;
  const exp = biased - 1022;
  if (hi >>> 31 === 0 && (hi & 0xfffff) === 0 && lo === 0 && biased !== 0 && biased !== 0x7ff && exp >= -242 && exp <= 11) {
    w.writeByte(exp + 243);
    return;
  }
  w.writeByte(255);
  w.writeBits64(hi, lo, 64);
}

function readSpans(r: BitReader, what: string): Span[] {
  const num = readVarbitUint(r, `${what} span count`);
  // Each span takes at least 2 bits; a larger count can only be corrupt data.
  if (num * 2 > r.remaining) {
    throw new ChunkDecodeError(`${what} span count ${num} exceeds the remaining chunk data`, r.pos);
  }
  const spans: Span[] = [];
  for (let i = 0; i < num; i++) {
    // Go stores these as uint32 / int32.
    const length = readVarbitUint(r, `${what} span length`) >>> 0;
    const offset = readVarbitInt(r, `${what} span offset`) | 0;
    spans.push({ offset, length });
  }
  return spans;
}

function writeSpans(w: BitWriter, spans: readonly Span[]): void {
  writeVarbitUint(w, spans.length);
  for (const s of spans) {
    writeVarbitUint(w, s.length);
    writeVarbitInt(w, s.offset);
  }
}

export function readLayout(r: BitReader): HistogramLayout {
  const zeroThreshold = readZeroThreshold(r);
  const schema = readVarbitInt(r, "schema") | 0;
  const positiveSpans = readSpans(r, "positive");
  const negativeSpans = readSpans(r, "negative");
  return { zeroThreshold, schema, positiveSpans, negativeSpans };
}

export function writeLayout(w: BitWriter, l: HistogramLayout): void {
  writeZeroThreshold(w, l.zeroThreshold);
  writeVarbitInt(w, l.schema);
  writeSpans(w, l.positiveSpans);
  writeSpans(w, l.negativeSpans);
}

export function countBuckets(spans: readonly Span[]): number {
  let n = 0;
  for (const s of spans) n += s.length;
  return n;
}

/**
 * Throws unless count more buckets, each needing at least bitsEach bits,
 * fit in the rest of the chunk. Guards allocations against corrupt counts.
 */
export function checkBucketCount(r: BitReader, count: number, bitsEach: number): void {
  if (count * bitsEach > r.remaining) {
    throw new ChunkDecodeError(`bucket count ${count} exceeds the remaining chunk data`, r.pos);
  }
}

function sameSpans(a: readonly Span[], b: readonly Span[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].offset !== b[i].offset || a[i].length !== b[i].length) return false;
  }
  return true;
}

export function sameLayout(a: HistogramLayout, b: HistogramLayout): boolean {
  return (
    a.schema === b.schema &&
    (a.zeroThreshold === b.zeroThreshold || (Number.isNaN(a.zeroThreshold) && Number.isNaN(b.zeroThreshold))) &&
    sameSpans(a.positiveSpans, b.positiveSpans) &&
    sameSpans(a.negativeSpans, b.negativeSpans)
  );
}

/** Copies spans so later caller mutations cannot change the encoder's layout. */
export function copyLayout(l: HistogramLayout): HistogramLayout {
  return {
    zeroThreshold: l.zeroThreshold,
    schema: l.schema,
    positiveSpans: l.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
    negativeSpans: l.negativeSpans.map((s) => ({ offset: s.offset, length: s.length })),
  };
}

export function isStaleBits(hi: number, lo: number): boolean {
  return hi === STALE_NAN_HI && lo === STALE_NAN_LO;
}
