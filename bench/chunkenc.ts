// XOR decode throughput on real chunks: decodes every XOR chunk of the 1k-series
// fixture block repeatedly for ~2 s and prints samples/s.
//
//   npx tsc -p tsconfig.json && node dist/bench/chunkenc.js [segment-file] [seconds] [--json]
//
// --json prints one JSON object instead of the text (for bench/run.ts).

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { decodeXor, encodeXor, Encoding, type FloatSamples } from "../src/chunkenc/index.js";

const DEFAULT_SEGMENT = "test/fixtures/block-1k-2h/01M81C8ZSCQXTCPJQRKEHEEMV8/chunks/000001";

/** XOR chunk data of a segment file (no CRC check: this is a benchmark). */
function xorChunks(path: string): Uint8Array[] {
  const buf = new Uint8Array(readFileSync(path));
  const out: Uint8Array[] = [];
  let p = 8;
  while (p < buf.length) {
    let len = 0;
    let scale = 1;
    for (;;) {
      const b = buf[p++];
      len += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
    }
    const enc = buf[p];
    if (enc === Encoding.XOR) out.push(buf.subarray(p + 1, p + 1 + len));
    p += 1 + len + 4;
  }
  return out;
}

/** Wall time and this process' CPU time; CPU time stays meaningful on a busy machine. */
function run(chunks: Uint8Array[], seconds: number, out: FloatSamples): { samples: number; elapsed: number; cpu: number } {
  let samples = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let now = start;
  while (now < deadline) {
    for (const c of chunks) samples += decodeXor(c, out).n;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { samples, elapsed: (now - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

function main(): void {
  const json = process.argv.includes("--json");
  const args = process.argv.slice(2).filter((a) => a !== "--json");
  const path = resolve(args[0] ?? DEFAULT_SEGMENT);
  const seconds = Number(args[1] ?? 2);
  const log = (s: string): void => {
    if (!json) console.log(s);
  };
  const chunks = xorChunks(path);
  const out: FloatSamples = { n: 0, t: new Float64Array(256), v: new Float64Array(256) };
  let perPass = 0;
  for (const c of chunks) perPass += decodeXor(c, out).n;

  run(chunks, 0.5, out); // warm-up so the measurement sees optimised code
  const { samples, elapsed, cpu } = run(chunks, seconds, out);
  const rate = samples / elapsed;
  log(`${chunks.length} XOR chunks, ${perPass} samples per pass, ${(samples / perPass).toFixed(1)} passes`);
  log(`decodeXor: ${(rate / 1e6).toFixed(1)} M samples/s wall (${((elapsed * 1e9) / samples).toFixed(1)} ns/sample)`);
  log(`decodeXor: ${(samples / cpu / 1e6).toFixed(1)} M samples/s per CPU-second`);

  // Encode side, for reference: re-encode every chunk once per pass.
  const decoded = chunks.map((c) => {
    const s = decodeXor(c);
    return { t: s.t.slice(0, s.n), v: s.v.slice(0, s.n) };
  });
  let encSamples = 0;
  const encStart = performance.now();
  while (performance.now() - encStart < 1000) {
    for (const d of decoded) {
      encodeXor(d.t, d.v, 0, d.t.length);
      encSamples += d.t.length;
    }
  }
  const encRate = encSamples / ((performance.now() - encStart) / 1000);
  log(`encodeXor: ${(encRate / 1e6).toFixed(1)} M samples/s`);
  if (json) {
    const res = { chunks: chunks.length, samplesPerPass: perPass, decodeSamplesPerSecWall: Math.round(rate), decodeSamplesPerCpuSec: Math.round(samples / cpu), encodeSamplesPerSec: Math.round(encRate) };
    process.stdout.write(JSON.stringify(res) + "\n");
  }
}

main();
