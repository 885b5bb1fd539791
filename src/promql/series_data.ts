// Raw samples of one selected series and the two lookups the engine makes
// on them: the instant value at a time (with lookback and staleness) and
// the samples inside a range window.

import type { FloatSamples } from "../chunkenc/types.js";
import { wordsOf } from "../chunkenc/floatbits.js";
import type { Labels } from "../model/labels.js";
import { isStaleAt } from "./storage.js";

/** Samples without staleness markers, for range windows (stale samples never enter a window). */
export interface WindowSamples {
  t: ArrayLike<number>;
  v: ArrayLike<number>;
  n: number;
}

export class RawSeries {
  private windowView: WindowSamples | undefined;
  private readonly stale: Uint8Array | null;

  constructor(
    readonly labels: Labels,
    readonly samples: FloatSamples,
  ) {
    const words = wordsOf(samples.v);
    let stale: Uint8Array | null = null;
    for (let i = 0; i < samples.n; i++) {
      if (isStaleAt(words, i)) (stale ??= new Uint8Array(samples.n))[i] = 1;
    }
    this.stale = stale;
  }

  get n(): number {
    return this.samples.n;
  }

  /**
   * Index of the last sample with t <= ts, or -1. Steps move forward, so a
   * short walk from the previous answer (hint) usually finds it; otherwise
   * binary search.
   */
  lastAtOrBefore(ts: number, hint = 0): number {
    const t = this.samples.t;
    const n = this.samples.n;
    let i = hint;
    if (i >= 0 && i < n && t[i]! <= ts) {
      for (let k = 0; k < 16; k++) {
        if (i + 1 >= n || t[i + 1]! > ts) return i;
        i++;
      }
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid]! <= ts) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  isStale(i: number): boolean {
    return this.stale !== null && this.stale[i] === 1;
  }

  /** Samples as seen by range selectors: staleness markers removed. */
  window(): WindowSamples {
    if (this.windowView) return this.windowView;
    const s = this.samples;
    if (!this.stale) {
      this.windowView = { t: s.t, v: s.v, n: s.n };
    } else {
      const t: number[] = [];
      const v: number[] = [];
      for (let i = 0; i < s.n; i++) {
        if (this.stale[i]) continue;
        t.push(s.t[i]!);
        v.push(s.v[i]!);
      }
      this.windowView = { t, v, n: t.length };
    }
    return this.windowView;
  }
}

/**
 * Moves a [lo, hi) window over increasing [mint, maxt] ranges of a sample
 * array; both bounds are inclusive (Prometheus 2.42 range selectors).
 */
export class WindowCursor {
  lo = 0;
  hi = 0;

  constructor(private readonly s: WindowSamples) {}

  advance(mint: number, maxt: number): void {
    const t = this.s.t;
    const n = this.s.n;
    if (this.lo > 0 && t[this.lo - 1]! >= mint) this.lo = 0;
    if (this.hi > 0 && t[this.hi - 1]! > maxt) this.hi = 0;
    while (this.lo < n && t[this.lo]! < mint) this.lo++;
    if (this.hi < this.lo) this.hi = this.lo;
    while (this.hi < n && t[this.hi]! <= maxt) this.hi++;
  }

  get size(): number {
    return this.hi - this.lo;
  }
}
