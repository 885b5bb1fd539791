// Benchmark data: real blocks generated with promtool from the project's
// generator, cached under bench/data/ (gitignored) so reruns skip generation.
//
// Multi-block sets (more hours than one block) are not backfilled from one
// OpenMetrics file: promtool 2.42 re-parses the whole file once per block it
// cuts, so 24h of text would be parsed twelve times. Instead the generator's
// output (one continuous 24h series set, so counters stay continuous) is
// split by block window into one file per block, and promtool runs once per
// file, two at a time when memory allows.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statfsSync, type WriteStream } from "node:fs";
import { once } from "node:events";
import { freemem } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { DEFAULT_START_MS, GENERATOR_VERSION } from "../tools/gen-openmetrics.js";
import { makeBlocks, run } from "../tools/make-blocks.js";

export const BENCH_ROOT = fileURLToPath(new URL("../../bench", import.meta.url));
export const DATA_DIR = join(BENCH_ROOT, "data");
const GEN_CLI = fileURLToPath(new URL("../tools/gen-openmetrics.js", import.meta.url));

export interface BenchBlocksSpec {
  series: number;
  hours: number;
  intervalSec?: number;
  maxBlockHours?: number;
}

/** Directory of blocks for the spec, generated once. */
export async function benchBlocks(spec: BenchBlocksSpec): Promise<string> {
  const key = `v${GENERATOR_VERSION}-s${spec.series}-h${spec.hours}-i${spec.intervalSec ?? 15}-b${spec.maxBlockHours ?? 2}`;
  const dir = join(DATA_DIR, key);
  if (existsSync(dir) && readdirSync(dir).length > 0) return dir;
  mkdirSync(DATA_DIR, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(`generating ${spec.series} series × ${spec.hours}h with promtool into ${dir} ...\n`);
  const t0 = performance.now();
  const blockHours = spec.maxBlockHours ?? 2;
  if (spec.hours > blockHours) {
    await splitBackfill(spec, tmp);
  } else {
    await makeBlocks({
      series: spec.series,
      durationMs: spec.hours * 3600_000,
      intervalMs: (spec.intervalSec ?? 15) * 1000,
      out: tmp,
      ...(spec.maxBlockHours ? { maxBlockDurationMs: spec.maxBlockHours * 3600_000 } : {}),
    });
  }
  renameSync(tmp, dir);
  process.stderr.write(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return dir;
}

/** Measured: ~150 bytes of OpenMetrics text per sample, ~95 KB of promtool RSS per series of a 2h block. */
const TEXT_BYTES_PER_SAMPLE = 150;
const PROMTOOL_BYTES_PER_SERIES = 100 << 10;

async function splitBackfill(spec: BenchBlocksSpec, out: string): Promise<void> {
  const intervalMs = (spec.intervalSec ?? 15) * 1000;
  const windowMs = (spec.maxBlockHours ?? 2) * 3600_000;
  const windows = Math.ceil((spec.hours * 3600_000) / windowMs);
  const perWindow = spec.series * (windowMs / intervalMs) * TEXT_BYTES_PER_SAMPLE;
  const work = join(DATA_DIR, `.om-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(out, { recursive: true });
  try {
    // Disk bound: keep at most 40% of the free space in text files at once;
    // a smaller budget costs one more generator pass over the whole range.
    const st = statfsSync(work);
    const perPass = Math.max(1, Math.min(windows, Math.floor((0.4 * st.bavail * st.bsize) / perWindow)));
    const parallel = Math.max(1, Math.min(2, Math.floor((0.6 * freemem()) / (spec.series * PROMTOOL_BYTES_PER_SERIES))));
    for (let first = 0; first < windows; first += perPass) {
      const keep = new Set<number>();
      for (let w = first; w < Math.min(windows, first + perPass); w++) keep.add(w);
      const tg = performance.now();
      const files = await generateSplit(spec, intervalMs, windowMs, work, keep);
      process.stderr.write(`  windows ${first}..${first + keep.size - 1}: text generated and split in ${((performance.now() - tg) / 1000).toFixed(1)} s\n`);
      const queue = [...files.entries()].sort((a, b) => a[0] - b[0]);
      const tp = performance.now();
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          for (let job = queue.shift(); job; job = queue.shift()) {
            const [w, file] = job;
            const dst = join(work, `blocks-${w}`);
            mkdirSync(dst, { recursive: true });
            await run(process.env["PROMTOOL"] ?? "promtool", ["tsdb", "create-blocks-from", "openmetrics", `--max-block-duration=${windowMs / 3600_000}h`, file, dst]);
            rmSync(file, { force: true });
            for (const b of readdirSync(dst)) if (/^[0-9A-HJKMNP-TV-Z]{26}$/.test(b)) renameSync(join(dst, b), join(out, b));
            rmSync(dst, { recursive: true, force: true });
          }
        }),
      );
      process.stderr.write(`  windows ${first}..${first + keep.size - 1}: promtool backfill (${parallel} at a time) in ${((performance.now() - tp) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs the generator CLI in a child (so generation and splitting use both cores) and splits its stdout into per-window files. */
async function generateSplit(spec: BenchBlocksSpec, intervalMs: number, windowMs: number, dir: string, keep: ReadonlySet<number>): Promise<Map<number, string>> {
  const child = spawn(process.execPath, [GEN_CLI, "--series", String(spec.series), "--duration", `${spec.hours}h`, "--interval", `${intervalMs / 1000}s`, "--quiet"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const splitter = new WindowSplitter(DEFAULT_START_MS, windowMs, dir, keep);
  await pipeline(child.stdout, splitter);
  const code = await exited;
  if (code !== 0) throw new Error(`gen-openmetrics exited with ${code}`);
  return splitter.files;
}

/**
 * Routes OpenMetrics lines to one file per block window by sample timestamp.
 * Comment lines (# HELP, # TYPE, # EOF) go to every window, so each file is
 * a complete exposition on its own.
 */
class WindowSplitter extends Writable {
  readonly files = new Map<number, string>();
  private readonly streams = new Map<number, WriteStream>();
  private readonly comments: string[] = [];
  private carry = "";

  constructor(
    private readonly startMs: number,
    private readonly windowMs: number,
    private readonly dir: string,
    private readonly keep: ReadonlySet<number>,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // The text is ASCII; latin1 is the cheapest exact decoding.
    const text = this.carry + chunk.toString("latin1");
    const end = text.lastIndexOf("\n") + 1;
    this.carry = text.slice(end);
    const blocked: WriteStream[] = [];
    const emit = (w: number, s: string): void => {
      if (s.length === 0 || !this.keep.has(w)) return;
      const ws = this.stream(w);
      if (!ws.write(s)) blocked.push(ws);
    };
    let runStart = 0;
    let runWindow = -1;
    let p = 0;
    while (p < end) {
      const nl = text.indexOf("\n", p);
      if (text.charCodeAt(p) === 35 /* # */) {
        emit(runWindow, text.slice(runStart, p));
        const line = text.slice(p, nl + 1);
        if (!line.startsWith("# EOF")) this.comments.push(line);
        for (const w of this.keep) {
          const ws = this.stream(w);
          if (!ws.write(line)) blocked.push(ws);
        }
        runStart = nl + 1;
        runWindow = -1;
      } else {
        const w = this.windowOf(text, p, nl);
        if (w !== runWindow) {
          emit(runWindow, text.slice(runStart, p));
          runStart = p;
          runWindow = w;
        }
      }
      p = nl + 1;
    }
    emit(runWindow, text.slice(runStart, end));
    if (blocked.length === 0) cb();
    else Promise.all([...new Set(blocked)].map((ws) => once(ws, "drain"))).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    Promise.all([...this.streams.values()].map((ws) => (ws.end(), finished(ws)))).then(() => cb(), cb);
  }

  /** Window of the sample line text[p, nl): its last field is the timestamp in seconds. */
  private windowOf(text: string, p: number, nl: number): number {
    let i = text.lastIndexOf(" ", nl - 1) + 1;
    if (i <= p) throw new Error(`no timestamp in OpenMetrics line: ${text.slice(p, nl)}`);
    let sec = 0;
    for (; i < nl; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      sec = sec * 10 + (c - 48);
    }
    // Window edges are whole seconds, so the integer part decides.
    return Math.floor((sec * 1000 - this.startMs) / this.windowMs);
  }

  private stream(w: number): WriteStream {
    let ws = this.streams.get(w);
    if (!ws) {
      const file = join(this.dir, `w${w}.om`);
      ws = createWriteStream(file, { highWaterMark: 1 << 20 });
      // A window first seen late still needs the metadata seen so far.
      for (const c of this.comments) ws.write(c);
      this.streams.set(w, ws);
      this.files.set(w, file);
    }
    return ws;
  }
}
