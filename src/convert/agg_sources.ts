// Reads a series' downsampled chunks from Thanos-downsampled source blocks
// (meta thanos.downsample.resolution 300000 or 3600000), whose chunks carry
// encoding 0xff. Tombstones are not applied: aggregates cannot be corrected
// for deleted raw samples (Thanos downsamples before deleting, too).

import { AGGR_CHUNK_ENCODING, decodeAggrChunk, type AggrSubChunks } from "../chunkenc/aggr.js";
import { chunkNumSamples, ChunkDecodeError, decodeXor, Encoding } from "../chunkenc/index.js";
import { expandChunk, SampleList } from "../downsample/aggregator.js";
import { downsampleRaw } from "../downsample/raw.js";
import { RES_5M, type AggResolution, type AggrChunk } from "../downsample/types.js";
import { CorruptBlockError } from "../tsdb/errors.js";
import type { SeriesPart } from "../tsdb/querier.js";

/** The parts' downsampled chunks overlapping [mint, maxt], by resolution, ascending. */
export async function readSourceAggrChunks(parts: readonly SeriesPart[], mint: number, maxt: number): Promise<Partial<Record<AggResolution, AggrChunk[]>>> {
  const out: Partial<Record<AggResolution, AggrChunk[]>> = {};
  for (const p of parts) {
    const res = p.block.meta.thanos.resolution as AggResolution;
    const list = (out[res] ??= []);
    for (const meta of p.entry.chunks) {
      if (meta.maxTime < mint || meta.minTime > maxt) continue;
      const raw = await p.block.chunk(meta.ref);
      const where = `${p.block.source.location}/chunks`;
      try {
        if (raw.encoding === AGGR_CHUNK_ENCODING) {
          // Copy: the block reader's buffers are reused by later reads.
          const subs = decodeAggrChunk(raw.data).map((s) => (s ? { encoding: s.encoding, data: s.data.slice() } : undefined)) as AggrSubChunks;
          list.push({ minTime: meta.minTime, maxTime: meta.maxTime, subs });
        } else if (raw.encoding === Encoding.XOR) {
          // Thanos issue 5272: downsampled blocks may hold plain XOR chunks.
          // Empty ones are skipped; others are downsampled to 5m, as Thanos' compactor does.
          if (chunkNumSamples(raw.encoding, raw.data) === 0) continue;
          const run = new SampleList();
          expandChunk(decodeXor(raw.data), run);
          list.push(...downsampleRaw(run, RES_5M));
        } else if (raw.encoding !== Encoding.Histogram && raw.encoding !== Encoding.FloatHistogram) {
          throw new CorruptBlockError(where, meta.ref % 0x100000000, `unknown chunk encoding ${raw.encoding} in series ${p.entry.ref}`);
        }
        // Raw histogram chunks in a downsampled block would need histogram aggregation: not supported, skipped.
      } catch (e) {
        if (e instanceof ChunkDecodeError) throw new CorruptBlockError(where, meta.ref % 0x100000000, `aggregate chunk of series ${p.entry.ref}: ${e.message}`, { cause: e });
        throw e;
      }
    }
  }
  for (const list of Object.values(out)) list.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  return out;
}
