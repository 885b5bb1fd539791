// Block-reader benchmark for one directory of blocks, run in its own process
// so its peak RSS is its own: index open time, full series iteration, XOR
// decode throughput on one core. Prints one JSON object.
import { decodeXor, Encoding } from "../src/chunkenc/index.js";
import type { FloatSamples } from "../src/chunkenc/types.js";
import { openLocalBlocks } from "../src/tsdb/open.js";
import type { RawChunk } from "../src/tsdb/chunks_reader.js";

async function main(dir: string): Promise<void> {
  const t0 = performance.now();
  const blocks = await openLocalBlocks(dir);
  const openMs = performance.now() - t0;
  let series = 0;
  let chunks = 0;
  let chunkBytes = 0;
  const xor: RawChunk[] = [];
  const t1 = performance.now();
  for (const b of blocks) {
    for await (const s of b.series(await b.postings([]))) {
      series++;
      for (const c of s.chunks) {
        const raw = await b.chunk(c.ref);
        chunks++;
        chunkBytes += raw.data.length;
        // Keep a bounded, copied sample of chunks for the decode loop, so the
        // iteration's memory is not inflated by retained read windows.
        if (raw.encoding === Encoding.XOR && xor.length < 20_000) xor.push({ encoding: raw.encoding, data: raw.data.slice() });
      }
    }
  }
  const iterMs = performance.now() - t1;
  const iterRssMiB = process.resourceUsage().maxRSS / 1024;
  // Decode throughput: repeat over the kept chunks for ~3 s.
  const out: FloatSamples = { n: 0, t: new Float64Array(256), v: new Float64Array(256) };
  let samples = 0;
  const t2 = performance.now();
  let rounds = 0;
  do {
    for (const c of xor) samples += decodeXor(c.data, out).n;
    rounds++;
  } while (performance.now() - t2 < 3000);
  const decodeMs = performance.now() - t2;
  await Promise.all(blocks.map((b) => b.close()));
  const res = {
    dir,
    blocks: blocks.length,
    series,
    chunks,
    chunkBytes,
    indexOpenMs: +openMs.toFixed(1),
    seriesIterationMs: +iterMs.toFixed(1),
    xorDecodeSamplesPerSec: Math.round(samples / (decodeMs / 1000)),
    decodeRounds: rounds,
    iterationPeakRssMiB: +iterRssMiB.toFixed(1),
    peakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  };
  process.stdout.write(JSON.stringify(res) + "\n");
}

await main(process.argv[2]!);
