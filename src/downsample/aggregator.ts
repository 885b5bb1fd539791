// The aggregation primitives of Thanos' downsampler
// (pkg/compact/downsample/downsample.go: currentWindow, targetChunkCount,
// floatAggregator, downsampleBatch), rewritten from their documented rules.

import { HI, LO, wordsOf } from "../chunkenc/floatbits.js";
import { STALE_NAN_HI, STALE_NAN_LO, type FloatSamples } from "../chunkenc/types.js";

/**
 * Last timestamp of the resolution window holding t: windows are aligned to
 * multiples of r since the epoch and end at the next multiple minus 1 (the
 * inclusive end, as block ranges are half-open). Only used for t >= 0.
 */
export function currentWindow(t: number, r: number): number {
  return t - (t % r) + r - 1;
}

/**
 * How many chunks to cut a series into: the output samples the range could
 * hold, scaled by how densely the input fills it at inRes, split so each
 * chunk averages at most 140 samples. Go integer arithmetic kept.
 */
export function targetChunkCount(mint: number, maxt: number, inRes: number, outRes: number, count: number): number {
  const maxSamples = Math.trunc((maxt - mint) / outRes);
  let fullness = count / ((maxt - mint) / inRes);
  if (fullness > 1) fullness = 1;
  const expSamples = Math.trunc(maxSamples * fullness) + 1;
  let x = 1;
  while (Math.trunc(expSamples / x) > 140) x++;
  return x;
}

/** Per-window count/sum/min/max plus a counter that runs across the whole batch. */
export class FloatAggregator {
  total = 0;
  count = 0;
  sum = 0;
  min = 0;
  max = 0;
  /** Increase since the batch's first sample, with resets applied, plus that first value. */
  counter = 0;
  private last = 0;

  reset(): void {
    this.count = 0;
    this.sum = 0;
    // Go's math.MaxFloat64 bounds, not infinities: an all-+Inf window keeps min at MaxFloat64, as in Thanos.
    this.min = Number.MAX_VALUE;
    this.max = -Number.MAX_VALUE;
  }

  add(v: number): void {
    if (this.total > 0) {
      // A drop is a counter reset: the new value is all increase since the reset.
      if (v < this.last) this.counter += v;
      else this.counter += v - this.last;
    } else {
      this.counter = v;
    }
    this.last = v;
    this.sum += v;
    this.count++;
    this.total++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
}

/**
 * Walks samples [from, to) and calls emit(t, aggr) once per resolution
 * window, after the window's last sample. The point's timestamp is the
 * window end, capped at the batch's last sample so a batch never reaches
 * into the next one. Returns the timestamp of the last point.
 */
export function downsampleBatch(s: FloatSamples, from: number, to: number, res: number, aggr: FloatAggregator, emit: (t: number, a: FloatAggregator) => void): number {
  const lastT = s.t[to - 1]!;
  let nextT = -1;
  for (let i = from; i < to; i++) {
    const t = s.t[i]!;
    if (t > nextT) {
      if (nextT !== -1) emit(nextT, aggr);
      aggr.reset();
      nextT = Math.min(currentWindow(t, res), lastT);
    }
    aggr.add(s.v[i]!);
  }
  if (aggr.total > 0) emit(nextT, aggr);
  return nextT;
}

/** Exact StaleNaN bits (0x7ff0000000000002); other NaNs are ordinary values here. */
export function isStaleAt(words: Uint32Array, i: number): boolean {
  return words[2 * i + HI] === STALE_NAN_HI && words[2 * i + LO] === STALE_NAN_LO;
}

/** A growable float sample list that copies value bits exactly. */
export class SampleList implements FloatSamples {
  n = 0;
  t: Float64Array;
  v: Float64Array;
  private words: Uint32Array;
  constructor(capacity = 256) {
    this.t = new Float64Array(Math.max(1, capacity));
    this.v = new Float64Array(Math.max(1, capacity));
    this.words = wordsOf(this.v);
  }

  push(t: number, v: number): void {
    if (this.n === this.t.length) this.grow();
    this.t[this.n] = t;
    this.v[this.n] = v;
    this.n++;
  }

  /** Appends sample i of src keeping its value bits (NaN payloads included). */
  pushFrom(src: FloatSamples, srcWords: Uint32Array, i: number): void {
    if (this.n === this.t.length) this.grow();
    this.t[this.n] = src.t[i]!;
    this.words[2 * this.n] = srcWords[2 * i]!;
    this.words[2 * this.n + 1] = srcWords[2 * i + 1]!;
    this.n++;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const t = new Float64Array(this.t.length * 2);
    const v = new Float64Array(this.v.length * 2);
    t.set(this.t);
    const words = wordsOf(v);
    words.set(this.words);
    this.t = t;
    this.v = v;
    this.words = words;
  }
}

/**
 * Thanos' expandXorChunkIterator over one decoded chunk: staleness markers
 * are dropped, and so is any sample earlier than the previous kept one,
 * starting from 0, which also drops negative timestamps.
 */
export function expandChunk(src: FloatSamples, out: SampleList): void {
  const words = wordsOf(src.v);
  let lastT = 0;
  for (let i = 0; i < src.n; i++) {
    if (isStaleAt(words, i)) continue;
    const t = src.t[i]!;
    if (t >= lastT) {
      out.pushFrom(src, words, i);
      lastT = t;
    }
  }
}
