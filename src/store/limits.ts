// Per-request limits and the concurrent-request gate. Exceeding any of them
// is a ResourceExhausted error with a message naming the limit.

import { StoreError } from "./api.js";

export interface Limits {
  /** 0 = unlimited. */
  maxSeries: number;
  maxChunkBytes: number;
  maxSamples: number;
  maxConcurrent: number;
}

export const NO_LIMITS: Limits = { maxSeries: 0, maxChunkBytes: 0, maxSamples: 0, maxConcurrent: 0 };

export class RequestBudget {
  private chunkBytes = 0;
  private samples = 0;
  constructor(private readonly limits: Limits) {}

  series(n: number): void {
    if (this.limits.maxSeries && n > this.limits.maxSeries) {
      throw new StoreError("resource_exhausted", `exceeded series limit: the request selects ${n} series, the limit is ${this.limits.maxSeries} (--store.limits.request-series)`);
    }
  }

  chunk(bytes: number, samples: number): void {
    this.chunkBytes += bytes;
    this.samples += samples;
    if (this.limits.maxChunkBytes && this.chunkBytes > this.limits.maxChunkBytes) {
      throw new StoreError("resource_exhausted", `exceeded chunk bytes limit: more than ${this.limits.maxChunkBytes} bytes of chunks (--store.limits.request-chunk-bytes)`);
    }
    if (this.limits.maxSamples && this.samples > this.limits.maxSamples) {
      throw new StoreError("resource_exhausted", `exceeded samples limit: more than ${this.limits.maxSamples} samples (--store.limits.request-samples)`);
    }
  }
}

export class ConcurrencyGate {
  private active = 0;
  constructor(private readonly max: number) {}

  enter(): () => void {
    if (this.max && this.active >= this.max) {
      throw new StoreError("resource_exhausted", `too many concurrent requests: ${this.active} running, the limit is ${this.max} (--store.limits.concurrent-requests)`);
    }
    this.active++;
    let done = false;
    return () => {
      if (!done) this.active--;
      done = true;
    };
  }
}
