// Child processes of the side-by-side benchmark: Prometheus 2.42 on a copy of
// the blocks, `parquet-gateway serve` per bucket, s3rver, and timed one-shot
// commands (peak RSS from /usr/bin/time). Every child is started on loopback
// with a free port and killed by its own pid.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const live = new Set<ChildProcess>();

// Never leave a server behind, whatever way the orchestrator ends.
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
  /** Last lines of stderr, for error messages. */
  tail(): string;
}

function track(child: ChildProcess): Proc {
  live.add(child);
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err = (err + d).slice(-8192);
  });
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => live.delete(child));
  return {
    pid: child.pid!,
    child,
    tail: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

async function waitHttp(url: string, proc: Proc, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited (${proc.child.exitCode}): ${proc.tail()}`);
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms: ${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Peak and current resident memory of a live process (KiB), from /proc. */
export function memStatus(pid: number): { vmHWMKiB: number; vmRSSKiB: number; rssAnonKiB: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? NaN);
    return { vmHWMKiB: field("VmHWM"), vmRSSKiB: field("VmRSS"), rssAnonKiB: field("RssAnon") };
  } catch {
    return undefined;
  }
}

export interface Prometheus extends Proc {
  url: string;
}

/**
 * Prometheus 2.42 over a data directory that is a copy of the blocks (it
 * writes wal/, chunks_head/, a lock file and queries.active into it).
 * Block compaction is off and retention is long, so the blocks stay as given.
 */
export async function startPrometheus(dataDir: string): Promise<Prometheus> {
  const cfg = join(dataDir, "..", "prometheus.yml");
  if (!existsSync(cfg)) writeFileSync(cfg, "global: {scrape_interval: 15s, evaluation_interval: 15s}\n");
  const port = await freePort();
  const child = spawn(
    process.env["PROMETHEUS"] ?? "prometheus",
    [
      `--config.file=${cfg}`,
      `--storage.tsdb.path=${dataDir}`,
      "--storage.tsdb.retention.time=100y",
      "--storage.tsdb.min-block-duration=2h",
      "--storage.tsdb.max-block-duration=2h",
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const p = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/-/ready`, p, "prometheus");
  return { ...p, url };
}

export interface Serve extends Proc {
  grpc: string;
  metricsUrl: string;
}

/** `parquet-gateway serve` on free ports; ready after its first bucket sync. */
export async function startServe(objstoreConfigFile: string, extraArgs: string[] = []): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, "serve", "--objstore.config-file", objstoreConfigFile, "--grpc-address", "127.0.0.1:0", "--http-address", "127.0.0.1:0", "--sync-interval", "1h", ...extraArgs], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, LOG_LEVEL: "info" },
  });
  // The log line "serving" carries the ports picked by the OS.
  const ports = await new Promise<{ grpcPort: number; httpPort: number }>((resolve, reject) => {
    let buf = "";
    const onData = (d: Buffer): void => {
      buf += d.toString("utf8");
      for (const line of buf.split("\n")) {
        if (!line.includes('"serving"')) continue;
        try {
          const j = JSON.parse(line) as { grpcPort: number; httpPort: number };
          child.stderr!.off("data", onData);
          resolve(j);
          return;
        } catch {
          // partial line
        }
      }
    };
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`serve exited (${code}) before listening: ${buf.slice(-4000)}`)));
  });
  const p = track(child);
  const http = `http://127.0.0.1:${ports.httpPort}`;
  await waitHttp(`${http}/-/ready`, p, "serve");
  return { ...p, grpc: `127.0.0.1:${ports.grpcPort}`, metricsUrl: `${http}/metrics` };
}

/** Object-storage counters of a serve process, from its /metrics. */
export interface ObjstoreCounters {
  gets: number;
  getRanges: number;
  heads: number;
  lists: number;
  readBytes: number;
}

export async function scrapeObjstore(metricsUrl: string): Promise<ObjstoreCounters> {
  const text = await (await fetch(metricsUrl)).text();
  const val = (re: RegExp): number => {
    let sum = 0;
    for (const m of text.matchAll(re)) sum += Number(m[1]);
    return sum;
  };
  return {
    gets: val(/^parquet_gateway_objstore_requests_total\{operation="get"\} (\S+)$/gm),
    getRanges: val(/^parquet_gateway_objstore_requests_total\{operation="get_range"\} (\S+)$/gm),
    heads: val(/^parquet_gateway_objstore_requests_total\{operation="head"\} (\S+)$/gm),
    lists: val(/^parquet_gateway_objstore_requests_total\{operation="list"\} (\S+)$/gm),
    readBytes: val(/^parquet_gateway_objstore_read_bytes_total (\S+)$/gm),
  };
}

export function counterDelta(a: ObjstoreCounters, b: ObjstoreCounters): ObjstoreCounters {
  return { gets: a.gets - b.gets, getRanges: a.getRanges - b.getRanges, heads: a.heads - b.heads, lists: a.lists - b.lists, readBytes: a.readBytes - b.readBytes };
}

export interface S3Server extends Proc {
  endpoint: string;
  /** Objstore YAML file for a new bucket on this server. */
  bucketConfig(name: string, dir: string): Promise<string>;
}

/** s3rver under the repo's Node, with the legacy OpenSSL provider its DES continuation tokens need (as test/setup/s3.ts). */
export async function startS3rver(dir: string): Promise<S3Server> {
  mkdirSync(dir, { recursive: true });
  const bin = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  const child = spawn(process.execPath, ["--openssl-legacy-provider", bin, "--directory", dir, "--address", "127.0.0.1", "--port", "0", "--silent"], { stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on [^\s:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code}): ${out}`)));
  });
  const p = track(child);
  const endpoint = `127.0.0.1:${port}`;
  return {
    ...p,
    endpoint,
    async bucketConfig(name, cfgDir) {
      const { CreateBucketCommand, S3Client } = await import("@aws-sdk/client-s3");
      const client = new S3Client({ endpoint: `http://${endpoint}`, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
      await client.send(new CreateBucketCommand({ Bucket: name }));
      client.destroy();
      const file = join(cfgDir, `${name}.yml`);
      writeFileSync(file, `type: S3\nconfig:\n  bucket: ${name}\n  endpoint: ${endpoint}\n  region: us-east-1\n  access_key: S3RVER\n  secret_key: S3RVER\n  insecure: true\n`);
      return file;
    },
  };
}

export interface TimedRun {
  wallMs: number;
  /** Peak RSS of the command, KiB (from /usr/bin/time, else sampled from /proc). */
  maxRssKiB: number;
  rssSource: "/usr/bin/time" | "sampled";
  stderr: string;
  stdout: string;
}

/** Runs a command to completion, measuring wall time and peak RSS. */
export async function timed(cmd: string, args: string[]): Promise<TimedRun> {
  const useTime = existsSync("/usr/bin/time");
  const [c, a] = useTime ? ["/usr/bin/time", ["-f", "__MAXRSS_KIB=%M", cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const child = spawn(c, a, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let sampled = 0;
  const timer = useTime
    ? undefined
    : setInterval(() => {
        sampled = Math.max(sampled, memStatus(child.pid!)?.vmHWMKiB ?? 0);
      }, 100);
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (timer) clearInterval(timer);
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${code}): ${stderr.slice(-4000)}`);
  const m = /__MAXRSS_KIB=(\d+)/.exec(stderr);
  return { wallMs, maxRssKiB: m ? Number(m[1]) : sampled, rssSource: m ? "/usr/bin/time" : "sampled", stderr: stderr.replace(/__MAXRSS_KIB=\d+\n?/, ""), stdout };
}
