// ZSTD for Parquet pages through node:zlib (Node ≥ 22.15), replacing the
// WASM/JS codecs the Parquet libraries would otherwise need.

import zlib from "node:zlib";

export const DEFAULT_ZSTD_LEVEL = 3;

/** A page compressor for hyparquet-writer. */
export function zstdCompressor(level = DEFAULT_ZSTD_LEVEL): (input: Uint8Array) => Uint8Array {
  if (!Number.isInteger(level) || level < 1 || level > 22) throw new RangeError(`zstd level must be in [1, 22], got ${level}`);
  const options = { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } };
  return (input) => zlib.zstdCompressSync(input, options);
}

/**
 * A page decompressor for hyparquet. Returns a plain Uint8Array: Buffer's
 * slice() is a view, which would surprise code expecting a copy.
 */
export function zstdDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  const out = zlib.zstdDecompressSync(input, { maxOutputLength: Math.max(outputLength, 1) });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
