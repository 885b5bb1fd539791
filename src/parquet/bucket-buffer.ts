// hyparquet's AsyncBuffer over one object in a Bucket: every slice is a
// ranged GET, except slices inside the file tail fetched with the footer,
// which usually also holds the page indexes and bloom filters.

import type { AsyncBuffer } from "hyparquet";
import type { Bucket } from "../objstore/bucket.js";

/** Bytes [offset, offset + bytes.length) of the object, already in memory. */
export interface CachedTail {
  offset: number;
  bytes: Uint8Array;
}

/** An exact ArrayBuffer for a byte view; Node may hand back pooled Buffers. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

export type SliceFetcher = (bucket: Bucket, key: string, start: number, end: number) => Promise<Uint8Array>;

const directFetch: SliceFetcher = (bucket, key, start, end) => bucket.getRange(key, start, end - start);

export function bucketAsyncBuffer(bucket: Bucket, key: string, size: number, tail?: CachedTail, fetch: SliceFetcher = directFetch): AsyncBuffer {
  return {
    byteLength: size,
    slice(start: number, end: number = size): Promise<ArrayBuffer> {
      if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= size)) {
        return Promise.reject(new RangeError(`invalid range [${start}, ${end}) of ${key} (size ${size})`));
      }
      if (tail && start >= tail.offset && end <= tail.offset + tail.bytes.length) {
        return Promise.resolve(toArrayBuffer(tail.bytes.slice(start - tail.offset, end - tail.offset)));
      }
      if (start === end) return Promise.resolve(new ArrayBuffer(0));
      return fetch(bucket, key, start, end).then((buf) => {
        if (buf.length !== end - start) {
          throw new Error(`short read of ${key} [${start}, ${end}): got ${buf.length} bytes`);
        }
        return toArrayBuffer(buf);
      });
    },
  };
}
