// Chunk encodings and sample shapes shared by every codec. Numbering is the
// Prometheus chunkenc numbering (the byte stored in chunk segment files).

export const Encoding = {
  None: 0,
  XOR: 1,
  Histogram: 2,
  FloatHistogram: 3,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

/** Prometheus' StaleNaN, the staleness marker: float64 bits 0x7ff0000000000002. */
export const STALE_NAN_HI = 0x7ff00000;
export const STALE_NAN_LO = 0x00000002;

/**
 * Decoded float samples. Values live in a Float64Array so that NaN payloads
 * (staleness markers) survive bit for bit; a plain JS array would canonicalise
 * them. Arrays may be longer than n when buffers are reused.
 */
export interface FloatSamples {
  n: number;
  t: Float64Array;
  v: Float64Array;
}

export interface Span {
  offset: number;
  length: number;
}

export type CounterResetHint = "unknown" | "reset" | "not_reset" | "gauge";

/** One sample of an integer native histogram (chunk encoding 2). Buckets are deltas, as in Prometheus. */
export interface HistogramSample {
  t: number;
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  /** True when sum carries the exact StaleNaN bit pattern. */
  stale: boolean;
  positiveSpans: Span[];
  negativeSpans: Span[];
  /** Delta-encoded bucket counts: first absolute, the rest differences. */
  positiveDeltas: number[];
  negativeDeltas: number[];
}

/** One sample of a float native histogram (chunk encoding 3). Buckets are absolute counts. */
export interface FloatHistogramSample {
  t: number;
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  stale: boolean;
  positiveSpans: Span[];
  negativeSpans: Span[];
  positiveCounts: number[];
  negativeCounts: number[];
}
