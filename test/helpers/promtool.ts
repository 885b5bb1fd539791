// Test harness around the reference promtool (Prometheus 2.42): dumping
// blocks, comparing dumps line by line, and a cache of generated blocks.
//
// `promtool tsdb dump` opens the directory as a database: it refuses to run
// without a wal/ directory and creates wal/ and chunks_head/ itself. So it
// always runs on a hard-linked copy in a temp directory; the blocks handed
// in are never modified.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, link, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import { GENERATOR_VERSION, DEFAULT_START_MS, type GenerateOptions, type Timing } from "../../tools/gen-openmetrics.js";
import { parseDuration } from "../../tools/common.js";
import { makeBlocks, promtoolBinary, readBlockMeta, type BlockMeta } from "../../tools/make-blocks.js";

export interface DumpOptions {
  /** A series selector, e.g. '{__name__="up"}'. promtool 2.42 takes only one. */
  match?: string;
  /** Inclusive bounds in ms. */
  minTime?: number;
  maxTime?: number;
  /** promtool binary; default $PROMTOOL or "promtool". */
  promtool?: string;
}

// ---------------------------------------------------------------------------
// Temp database built from hard links

/** Block directories named by `dirs`: each entry is a block dir or a data dir of blocks. */
export async function findBlockDirs(dirs: string | readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of typeof dirs === "string" ? [dirs] : dirs) {
    const abs = resolve(d);
    if (await exists(join(abs, "meta.json"))) {
      out.push(abs);
      continue;
    }
    const found: string[] = [];
    for (const e of await readdir(abs, { withFileTypes: true })) {
      if (e.isDirectory() && (await exists(join(abs, e.name, "meta.json")))) found.push(join(abs, e.name));
    }
    if (found.length === 0) throw new Error(`no TSDB blocks in ${abs}`);
    out.push(...found.sort());
  }
  return out;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Hard-links (or, across file systems, copies) a directory tree. */
async function linkTree(src: string, dst: string): Promise<void> {
  await mkdir(dst);
  for (const e of await readdir(src, { withFileTypes: true })) {
    const s = join(src, e.name);
    const d = join(dst, e.name);
    if (e.isDirectory()) {
      await linkTree(s, d);
    } else {
      try {
        await link(s, d);
      } catch {
        await copyFile(s, d);
      }
    }
  }
}

/** A throw-away database directory holding links to the blocks plus the empty wal/ promtool needs. */
async function scratchDb(dirs: string | readonly string[]): Promise<{ root: string; db: string }> {
  const blocks = await findBlockDirs(dirs);
  const root = await mkdtemp(join(tmpdir(), "pgw-dump-"));
  try {
    const db = join(root, "db");
    await mkdir(db);
    for (const b of blocks) {
      const target = join(db, basename(b));
      if (await exists(target)) throw new Error(`block ${basename(b)} given twice`);
      await linkTree(b, target);
    }
    await mkdir(join(db, "wal"));
    return { root, db };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

function dumpArgs(db: string, opts: DumpOptions): string[] {
  const args = ["tsdb", "dump"];
  if (opts.match !== undefined) args.push(`--match=${opts.match}`);
  if (opts.minTime !== undefined) args.push(`--min-time=${opts.minTime}`);
  if (opts.maxTime !== undefined) args.push(`--max-time=${opts.maxTime}`);
  args.push(db);
  return args;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const err: Buffer[] = [];
  child.stderr?.on("data", (b: Buffer) => err.push(b));
  return new Promise((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, stderr: Buffer.concat(err).toString("utf8").trim() }));
  });
}

/**
 * Runs `promtool tsdb dump` over the block(s) and writes the output to a new
 * file in the OS temp dir. Returns its path; the caller owns (and deletes) it.
 */
export async function promtoolDump(dirs: string | readonly string[], opts: DumpOptions = {}): Promise<string> {
  const { root, db } = await scratchDb(dirs);
  const outPath = join(tmpdir(), `pgw-dump-${process.pid}-${randomBytes(6).toString("hex")}.txt`);
  try {
    const fh = await open(outPath, "w");
    try {
      const bin = promtoolBinary(opts.promtool);
      const child = spawn(bin, dumpArgs(db, opts), { stdio: ["ignore", fh.fd, "pipe"] });
      const { code, signal, stderr } = await exitOf(child);
      if (code !== 0) throw new Error(`promtool tsdb dump failed (${signal ?? `exit ${code}`}): ${stderr}`);
    } finally {
      await fh.close();
    }
    return outPath;
  } catch (err) {
    await rm(outPath, { force: true });
    throw err;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Streams the dump line by line. promtool issues one write() per line, which
 * through a pipe costs ~2x the run time (17 s instead of 8 s for 4.8 M lines),
 * so promtool writes to an already-unlinked temp file that is read while it
 * grows; the disk space is freed as soon as the stream ends, even on a crash.
 * Stopping early (break) kills promtool; a promtool failure surfaces as an
 * error at the end.
 */
export async function* promtoolDumpLines(dirs: string | readonly string[], opts: DumpOptions = {}): AsyncGenerator<string, void, undefined> {
  const { root, db } = await scratchDb(dirs);
  try {
    const outPath = join(root, "dump.txt");
    const writer = await open(outPath, "w");
    const reader = await open(outPath, "r");
    await rm(outPath);
    let child: ChildProcess;
    try {
      child = spawn(promtoolBinary(opts.promtool), dumpArgs(db, opts), { stdio: ["ignore", writer.fd, "pipe"] });
    } finally {
      await writer.close(); // the child holds its own copy of the descriptor
    }
    const exit = exitOf(child);
    let exited = false;
    void exit.then(
      () => (exited = true),
      () => (exited = true),
    );
    let complete = false;
    try {
      yield* tailLines(reader, () => exited, exit);
      complete = true;
    } finally {
      if (!complete && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await reader.close();
      const { code, signal, stderr } = await exit;
      if (complete && code !== 0) throw new Error(`promtool tsdb dump failed (${signal ?? `exit ${code}`}): ${stderr}`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Lines of a file another process is still appending to, until that process has exited. */
async function* tailLines(fh: FileHandle, done: () => boolean, exit: Promise<unknown>): AsyncGenerator<string, void, undefined> {
  const buf = Buffer.allocUnsafe(1 << 20);
  const decoder = new StringDecoder("utf8");
  let pos = 0;
  let rest = "";
  for (;;) {
    // Check before reading: once the writer has exited, a read returning 0 means the end.
    const finished = done();
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) {
      if (finished) break;
      await Promise.race([exit, sleep(5)]);
      continue;
    }
    pos += bytesRead;
    const text = rest + decoder.write(buf.subarray(0, bytesRead));
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest.length > 0) yield rest;
}

/** Lines of a stream. Splits chunks by hand: faster than readline for millions of lines. */
async function* readLines(stream: Readable): AsyncGenerator<string, void, undefined> {
  stream.setEncoding("utf8");
  let rest = "";
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) yield rest;
}

/** Lines of a text file, e.g. a saved dump (test/fixtures/*.dump.txt or promtoolDump's output). */
export function fileLines(path: string): AsyncGenerator<string, void, undefined> {
  return readLines(createReadStream(path));
}

/** Async iterable over an in-memory list, for synthetic dumps. */
export async function* linesOf(lines: Iterable<string>): AsyncGenerator<string, void, undefined> {
  yield* lines;
}

// ---------------------------------------------------------------------------
// Parsing and comparing dump lines

export interface DumpSample {
  /** The `{...}` part exactly as promtool printed it. */
  labels: string;
  value: number;
  /** The value as printed (Go %g): "1e+06", "NaN", "+Inf", "-0", ... */
  valueText: string;
  /** Timestamp in ms. */
  t: number;
}

const GO_FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a value the way Go's strconv.ParseFloat reads promtool's %g output. */
export function parseGoFloat(text: string): number {
  switch (text) {
    case "NaN":
      return NaN;
    case "+Inf":
    case "Inf":
      return Infinity;
    case "-Inf":
      return -Infinity;
  }
  if (!GO_FLOAT.test(text)) throw new Error(`not a float: ${JSON.stringify(text)}`);
  return Number(text);
}

/** Parses `{__name__="x", a="b"} <value> <ts>`. Splits from the right, so label values may hold spaces and braces. */
export function parseDumpLine(line: string): DumpSample {
  const sp2 = line.lastIndexOf(" ");
  const sp1 = sp2 > 0 ? line.lastIndexOf(" ", sp2 - 1) : -1;
  if (sp1 <= 0 || line[0] !== "{" || line[sp1 - 1] !== "}") throw new Error(`malformed dump line: ${JSON.stringify(line)}`);
  const tText = line.slice(sp2 + 1);
  if (!/^-?\d+$/.test(tText)) throw new Error(`malformed timestamp in dump line: ${JSON.stringify(line)}`);
  const valueText = line.slice(sp1 + 1, sp2);
  return { labels: line.slice(0, sp1), value: parseGoFloat(valueText), valueText, t: Number(tText) };
}

/** Splits a dump's `{k="v", ...}` into a map, undoing Go's %q-style escapes. */
export function parseLabels(labels: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|\})/gy;
  if (labels[0] !== "{") throw new Error(`malformed label set: ${labels}`);
  re.lastIndex = 1;
  if (labels === "{}") return out;
  for (;;) {
    const m = re.exec(labels);
    if (m === null) throw new Error(`malformed label set: ${labels}`);
    out[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    if (m[3] === "}") {
      if (re.lastIndex !== labels.length) throw new Error(`trailing text after label set: ${labels}`);
      return out;
    }
  }
}

export interface DumpDiff {
  /** 1-based line number (blank lines skipped). */
  line: number;
  /** The line from each side; undefined where that stream had already ended. */
  a: string | undefined;
  b: string | undefined;
}

export interface DumpComparison {
  equal: boolean;
  /** Lines compared, including the differing one. */
  lines: number;
  firstDiff?: DumpDiff;
}

function sameLine(a: string, b: string): boolean {
  if (a === b) return true;
  let pa: DumpSample;
  let pb: DumpSample;
  try {
    pa = parseDumpLine(a);
    pb = parseDumpLine(b);
  } catch {
    return false; // unparseable lines only match byte for byte
  }
  if (pa.labels !== pb.labels || pa.t !== pb.t) return false;
  // Any NaN equals any NaN: the text dump cannot tell StaleNaN apart anyway.
  // Object.is keeps -0 and 0 apart, which === would not.
  return (Number.isNaN(pa.value) && Number.isNaN(pb.value)) || Object.is(pa.value, pb.value);
}

async function nextLine(it: AsyncIterator<string>): Promise<string | undefined> {
  for (;;) {
    const r = await it.next();
    if (r.done === true) return undefined;
    if (r.value !== "") return r.value;
  }
}

/**
 * Compares two dumps as streams: labels and timestamps exactly, values
 * numerically (so "1e+06" equals "1000000"). Stops at the first difference
 * and closes both streams (which kills any promtool behind them).
 */
export async function compareDumps(aLines: AsyncIterable<string>, bLines: AsyncIterable<string>): Promise<DumpComparison> {
  const ia = aLines[Symbol.asyncIterator]();
  const ib = bLines[Symbol.asyncIterator]();
  let n = 0;
  let result: DumpComparison | undefined;
  try {
    for (;;) {
      // Pull both sides together so two promtool processes run in parallel.
      const [a, b] = await Promise.all([nextLine(ia), nextLine(ib)]);
      if (a === undefined && b === undefined) {
        result = { equal: true, lines: n };
        return result;
      }
      n++;
      if (a === undefined || b === undefined || !sameLine(a, b)) {
        result = { equal: false, lines: n, firstDiff: { line: n, a, b } };
        return result;
      }
    }
  } finally {
    // Only needed when stopping early; finished generators ignore return().
    if (result === undefined || !result.equal) await Promise.all([ia.return?.(), ib.return?.()]);
  }
}

// ---------------------------------------------------------------------------
// Cached generated blocks

export interface GeneratedBlockOptions extends Omit<GenerateOptions, "series" | "durationMs" | "intervalMs" | "onProgress"> {
  /** "2h" or milliseconds. Default 2h. */
  duration?: string | number;
  /** "15s" or milliseconds. Default 15s. */
  interval?: string | number;
  /** promtool --max-block-duration, "6h" or milliseconds. Default: promtool's 2h. */
  maxBlockDuration?: string | number;
  /** Default $PGW_BLOCK_CACHE or <repo>/.tmp/blocks. */
  cacheDir?: string;
  /** How long to wait for another process generating the same block. Default 15 min. */
  lockTimeoutMs?: number;
}

export interface GeneratedBlocks {
  /** Data directory holding the block(s); treat it as read-only. */
  dir: string;
  /** Block directories, ascending minTime. */
  blocks: string[];
  metas: BlockMeta[];
  /** Cache key (directory name). */
  key: string;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function defaultBlockCacheDir(): string {
  return process.env["PGW_BLOCK_CACHE"] ?? join(REPO_ROOT, ".tmp", "blocks");
}

interface CacheParams {
  generator: number;
  series: number;
  durationMs: number;
  intervalMs: number;
  startMs: number;
  seed: number | string;
  mix: GenerateOptions["mix"];
  timing: Timing;
  maxBlockDurationMs: number | null;
}

const toMs = (d: string | number): number => (typeof d === "number" ? d : parseDuration(d));

function cacheParams(series: number, o: GeneratedBlockOptions): CacheParams {
  return {
    generator: GENERATOR_VERSION,
    series,
    durationMs: toMs(o.duration ?? "2h"),
    intervalMs: toMs(o.interval ?? "15s"),
    startMs: o.startMs ?? DEFAULT_START_MS,
    seed: o.seed ?? 1,
    // Fixed key order, so equal mixes give equal keys.
    mix: typeof o.mix === "object" ? { counter: o.mix.counter, gauge: o.mix.gauge, histogram: o.mix.histogram } : (o.mix ?? "bench"),
    timing: o.timing ?? "realistic",
    maxBlockDurationMs: o.maxBlockDuration === undefined ? null : toMs(o.maxBlockDuration),
  };
}

/** Readable prefix for humans, hash of every parameter for uniqueness. */
export function blockCacheKey(series: number, opts: GeneratedBlockOptions = {}): string {
  const p = cacheParams(series, opts);
  const hash = createHash("sha256").update(JSON.stringify(p)).digest("hex").slice(0, 12);
  return `s${p.series}-d${p.durationMs / 1000}s-i${p.intervalMs / 1000}s-v${p.generator}-${hash}`;
}

async function loadGenerated(dir: string, key: string): Promise<GeneratedBlocks> {
  const blocks = await findBlockDirs(dir);
  const metas = await Promise.all(blocks.map(readBlockMeta));
  const order = metas.map((m, i) => [m.minTime, i] as const).sort((x, y) => x[0] - y[0]);
  return {
    dir,
    blocks: order.map(([, i]) => blocks[i] as string),
    metas: order.map(([, i]) => metas[i] as BlockMeta),
    key,
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock is stale when its owner died, or when it never got a pid written within a minute. */
async function lockIsStale(lock: string): Promise<boolean> {
  try {
    const text = (await readFile(lock, "utf8")).trim();
    if (/^\d+$/.test(text)) return !pidAlive(Number(text));
    return Date.now() - (await stat(lock)).mtimeMs > 60_000;
  } catch {
    return false; // vanished: the owner finished, just retry
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Generates the block(s) into the cache unless they are already there. No
 * in-process de-duplication (see generatedBlock); across callers, a lock file
 * stops duplicate work and the atomic rename of a fully written temp dir
 * means a cache entry that exists is complete.
 */
export async function buildCachedBlock(series: number, opts: GeneratedBlockOptions = {}): Promise<GeneratedBlocks> {
  const root = resolve(opts.cacheDir ?? defaultBlockCacheDir());
  const key = blockCacheKey(series, opts);
  const final = join(root, key);
  const lock = `${final}.lock`;
  const p = cacheParams(series, opts);
  await mkdir(root, { recursive: true });
  const deadline = Date.now() + (opts.lockTimeoutMs ?? 15 * 60_000);

  for (;;) {
    if (await exists(final)) return loadGenerated(final, key);
    let fh: FileHandle;
    try {
      fh = await open(lock, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (await lockIsStale(lock)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await sleep(200);
      continue;
    }
    try {
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      if (await exists(final)) return loadGenerated(final, key);
      // Holding the lock, any temp dir for this key is a crashed run's leftover.
      for (const e of await readdir(root)) {
        if (e.startsWith(`${key}.tmp-`)) await rm(join(root, e), { recursive: true, force: true });
      }
      const tmp = `${final}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
      try {
        await makeBlocks({
          series: p.series,
          durationMs: p.durationMs,
          intervalMs: p.intervalMs,
          startMs: p.startMs,
          seed: p.seed,
          mix: p.mix,
          timing: p.timing,
          maxBlockDurationMs: p.maxBlockDurationMs ?? undefined,
          out: tmp,
        });
        await rename(tmp, final);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw err;
      }
      return loadGenerated(final, key);
    } finally {
      await rm(lock, { force: true });
    }
  }
}

const inFlight = new Map<string, Promise<GeneratedBlocks>>();

/**
 * Generated block(s) for tests, cached under .tmp/blocks/<key> so e.g. a
 * 10,000-series block is built once and reused by later runs and by test
 * files running concurrently. `dir` is the data directory holding the
 * block(s), e.g. for promtoolDumpLines(dir). Never write into it.
 */
export function generatedBlock(series: number, opts: GeneratedBlockOptions = {}): Promise<GeneratedBlocks> {
  const id = join(resolve(opts.cacheDir ?? defaultBlockCacheDir()), blockCacheKey(series, opts));
  let p = inFlight.get(id);
  if (p === undefined) {
    p = buildCachedBlock(series, opts);
    inFlight.set(id, p);
    p.catch(() => inFlight.delete(id));
  }
  return p;
}
