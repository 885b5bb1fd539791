// `tsdb analyze`: what a block holds — series, label cardinalities, chunk
// statistics — in the spirit of `promtool tsdb analyze`.

import type { LineWriter } from "../util/output.js";
import type { Block } from "./block.js";

const encodingNames: Record<number, string> = { 1: "XOR", 2: "histogram", 3: "float histogram", 255: "Thanos downsampled aggregate" };

export async function analyzeBlocks(b: Block, limit: number, w: LineWriter): Promise<void> {
  const m = b.meta;
  const refs = await b.index.allPostings();
  const names = b.index.labelNames();
  const byEncoding = new Map<number, { chunks: number; samples: number; bytes: number }>();
  let chunks = 0;
  let minSamples = Infinity;
  let maxSamples = 0;
  let samples = 0;
  let bytes = 0;
  const fullness = new Array<number>(11).fill(0);
  let pairs = 0;
  for await (const s of b.series(refs)) {
    pairs += s.labels.length;
    for (const c of s.chunks) {
      const raw = await b.chunk(c.ref);
      const n = raw.data.length >= 2 ? (raw.data[0]! << 8) | raw.data[1]! : 0;
      chunks++;
      samples += n;
      bytes += raw.data.length;
      minSamples = Math.min(minSamples, n);
      maxSamples = Math.max(maxSamples, n);
      fullness[Math.min(10, Math.floor((n / 120) * 10))]!++;
      const e = byEncoding.get(raw.encoding) ?? { chunks: 0, samples: 0, bytes: 0 };
      e.chunks++;
      e.samples += n;
      e.bytes += raw.data.length;
      byEncoding.set(raw.encoding, e);
    }
  }
  const card = names.map((n) => ({ name: n, values: b.index.labelValueCount(n) })).sort((x, y) => y.values - x.values || (x.name < y.name ? -1 : 1));
  let uniquePairs = 0;
  for (const c of card) uniquePairs += c.values;
  await w.write(`Block ID: ${m.ulid}\n`);
  await w.write(`Duration: ${fmtDuration(m.maxTime - m.minTime)}\n`);
  await w.write(`Min time: ${m.minTime}\nMax time: ${m.maxTime}\n`);
  if (Object.keys(m.thanos.labels).length) await w.write(`External labels: ${JSON.stringify(m.thanos.labels)}\n`);
  if (m.thanos.resolution) await w.write(`Downsample resolution: ${m.thanos.resolution}ms\n`);
  await w.write(`Series: ${refs.length}\n`);
  await w.write(`Label names: ${names.length}\n`);
  await w.write(`Postings (unique label pairs): ${uniquePairs}\n`);
  await w.write(`Postings entries (total label pairs): ${pairs}\n`);
  await w.write(`Tombstoned series: ${b.tombstones.size}\n`);
  await w.write(`\nLabel names with highest cardinality:\n`);
  for (const c of card.slice(0, limit)) await w.write(`${String(c.values).padStart(8)} ${c.name}\n`);
  await w.write(`\nChunks: ${chunks}\n`);
  await w.write(`Samples: ${samples}\n`);
  await w.write(`Chunk bytes: ${bytes} (${chunks ? (bytes / Math.max(samples, 1)).toFixed(3) : "0"} bytes/sample)\n`);
  await w.write(`Samples per chunk: min ${chunks ? minSamples : 0}, avg ${chunks ? (samples / chunks).toFixed(1) : 0}, max ${maxSamples}\n`);
  for (const [enc, e] of [...byEncoding].sort((x, y) => x[0] - y[0])) {
    await w.write(`  ${encodingNames[enc] ?? `encoding ${enc}`}: ${e.chunks} chunks, ${e.samples} samples, ${e.bytes} bytes\n`);
  }
  await w.write(`Chunk fullness (100% is 120 samples):\n`);
  for (let i = 0; i < fullness.length; i++) {
    if (fullness[i]) await w.write(`  ${String(i * 10).padStart(3)}%${i === 10 ? "+" : ""}: ${fullness[i]}\n`);
  }
  await w.write("\n");
}

function fmtDuration(ms: number): string {
  const h = Math.floor(ms / 3600000);
  const mi = Math.floor((ms % 3600000) / 60000);
  const s = (ms % 60000) / 1000;
  return `${h ? h + "h" : ""}${mi || h ? mi + "m" : ""}${s}s`;
}
