// Public API of the chunk codecs.

import { ChunkDecodeError } from "./errors.js";
import { decodeFloatHistogram } from "./float_histogram.js";
import { decodeHistogram } from "./histogram.js";
import { Encoding, type FloatHistogramSample, type FloatSamples, type HistogramSample } from "./types.js";
import { decodeXor } from "./xor.js";

export * from "./types.js";
export { ChunkDecodeError } from "./errors.js";
export { XorEncoder, decodeXor, encodeXor, xorSampleCount } from "./xor.js";
export { HistogramEncoder, decodeHistogram, histogramSampleCount } from "./histogram.js";
export { FloatHistogramEncoder, decodeFloatHistogram } from "./float_histogram.js";
export { histogramChunkHeader } from "./histogram_meta.js";
export { readVarbitInt, readVarbitUint, writeVarbitInt, writeVarbitUint } from "./varbit.js";
export { BitReader, BitWriter } from "./bstream.js";

export type DecodedChunk =
  | { encoding: typeof Encoding.XOR; floats: FloatSamples }
  | { encoding: typeof Encoding.Histogram; histograms: HistogramSample[] }
  | { encoding: typeof Encoding.FloatHistogram; floatHistograms: FloatHistogramSample[] };

function unsupported(encoding: number): ChunkDecodeError {
  return new ChunkDecodeError(`unsupported chunk encoding ${encoding}`);
}

/** Decodes a chunk of any encoding found in 2.42 blocks. */
export function decodeChunkSamples(encoding: number, data: Uint8Array): DecodedChunk {
  switch (encoding) {
    case Encoding.XOR:
      return { encoding, floats: decodeXor(data) };
    case Encoding.Histogram:
      return { encoding, histograms: decodeHistogram(data) };
    case Encoding.FloatHistogram:
      return { encoding, floatHistograms: decodeFloatHistogram(data) };
    default:
      throw unsupported(encoding);
  }
}

/** Sample count from the chunk header; all three encodings start with a uint16 BE count. */
export function chunkNumSamples(encoding: number, data: Uint8Array): number {
  if (encoding !== Encoding.XOR && encoding !== Encoding.Histogram && encoding !== Encoding.FloatHistogram) {
    throw unsupported(encoding);
  }
  if (data.length < 2) throw new ChunkDecodeError(`chunk too short for its header: ${data.length} bytes`, 0);
  return (data[0] << 8) | data[1];
}

/**
 * First and last sample timestamps, or null for an empty chunk. Needs a full
 * decode: the bit streams cannot be skipped without reading every value.
 */
export function chunkTimeRange(encoding: number, data: Uint8Array): { mint: number; maxt: number } | null {
  const d = decodeChunkSamples(encoding, data);
  if (d.encoding === Encoding.XOR) {
    const f = d.floats;
    return f.n === 0 ? null : { mint: f.t[0], maxt: f.t[f.n - 1] };
  }
  const hs = d.encoding === Encoding.Histogram ? d.histograms : d.floatHistograms;
  return hs.length === 0 ? null : { mint: hs[0].t, maxt: hs[hs.length - 1].t };
}
