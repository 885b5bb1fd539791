// Where a Parquet writer's bytes go: a Node Writable (with backpressure) or an
// async function, plus an adapter that streams into Bucket.upload.

import { PassThrough, type Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { ByteWriter } from "hyparquet-writer";
import type { Bucket } from "../objstore/bucket.js";

/** Receives output in order; a returned promise holds back the writer until it settles. */
export type ParquetSinkFunction = (chunk: Uint8Array) => void | Promise<void>;
export type ParquetSink = Writable | ParquetSinkFunction;

const SPILL_BYTES = 1 << 20;

/**
 * hyparquet-writer's output buffer, changed to hand bytes over instead of
 * growing without bound: once it holds about 1 MiB, the next append that
 * doesn't fit moves the bytes to `pending`. The writer drains `pending` to
 * the sink after every column chunk.
 */
export class SpillingByteWriter extends ByteWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly spillBytes = SPILL_BYTES) {
    super(64 * 1024);
  }

  override ensure(size: number): void {
    if (this.index + size <= this.buffer.byteLength) return;
    if (this.index > 0 && this.index + size > this.spillBytes) this.spill();
    super.ensure(size);
  }

  private spill(): void {
    if (this.index * 2 < this.buffer.byteLength) {
      // Mostly empty: copy, so a small chunk doesn't pin a large buffer downstream.
      this.pending.push(new Uint8Array(this.buffer.slice(0, this.index)));
    } else {
      this.pending.push(new Uint8Array(this.buffer, 0, this.index));
      this.buffer = new ArrayBuffer(this.spillBytes);
      this.view = new DataView(this.buffer);
    }
    this.pendingBytes += this.index;
    this.index = 0;
  }

  /** Everything written since the last call, in order. */
  take(): Uint8Array[] {
    if (this.index > 0) this.spill();
    const out = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return out;
  }

  /** Bytes written but not yet taken. */
  get buffered(): number {
    return this.pendingBytes + this.index;
  }
}

function waitDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(stream.errored ?? new Error("parquet sink closed before the file was complete"));
    };
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/** Normalises a sink into write/end/abort operations. */
export interface SinkAdapter {
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
  abort(err: Error): void;
}

export function sinkAdapter(sink: ParquetSink, endStream = true): SinkAdapter {
  if (typeof sink === "function") {
    return {
      write: async (chunk) => {
        await sink(chunk);
      },
      end: async () => {},
      abort: () => {},
    };
  }
  return {
    async write(chunk) {
      if (sink.destroyed || sink.writableEnded) {
        throw sink.errored ?? new Error("parquet sink is closed");
      }
      if (!sink.write(chunk)) await waitDrain(sink);
    },
    async end() {
      if (!endStream) return;
      sink.end();
      await finished(sink, { readable: false });
    },
    abort(err) {
      sink.destroy(err);
    },
  };
}

/**
 * A Writable that streams into `bucket.upload(key, …)`. `done` settles when
 * the upload does; if the upload fails the stream is destroyed, so a writer
 * blocked on backpressure fails too instead of hanging. Destroying the stream
 * with an error makes the upload fail, leaving no object behind.
 */
export function bucketUploadSink(bucket: Bucket, key: string, highWaterMark = 1 << 20): { sink: Writable; done: Promise<void> } {
  const stream = new PassThrough({ highWaterMark });
  // Destroying the stream (writer abort, upload failure) emits 'error'; `done`
  // carries the failure, so an unlistened 'error' must not crash the process.
  stream.on("error", () => {});
  const done = bucket.upload(key, stream).catch((err: unknown) => {
    stream.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  });
  // The caller awaits `done`; this only keeps an early failure from being reported as unhandled.
  done.catch(() => {});
  return { sink: stream, done };
}
