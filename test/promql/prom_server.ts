// Runs the reference Prometheus 2.42 over a temporary copy of TSDB blocks
// (Prometheus writes wal/, chunks_head/ and a lock into its data dir, so it
// never gets the fixtures themselves) and queries its HTTP API.

import { spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/ports.js";

export const prometheusBinary = process.env.PROMETHEUS ?? "/usr/bin/prometheus";

export interface ApiResponse {
  status: "success" | "error";
  data?: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
  warnings?: string[];
}


export class PrometheusServer {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly log: string[],
  ) {}

  /** Recent output of the server, for diagnosing failures. */
  logTail(): string {
    return this.log.join("").slice(-4000);
  }

  /** Copies every block under each of `blockDirs` into a fresh data dir and starts Prometheus on it. */
  static async start(blockDirs: string[], opts: { evaluationInterval?: string } = {}): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), "promql-diff-"));
    const data = join(dir, "data");
    for (const d of blockDirs) {
      for (const name of await readdir(d)) await cp(join(d, name), join(data, name), { recursive: true });
    }
    const config = join(dir, "prometheus.yml");
    await writeFile(config, `global: {scrape_interval: 15s, evaluation_interval: ${opts.evaluationInterval ?? "1m"}}\n`);
    const port = await freePort();
    const log: string[] = [];
    const proc = spawn(
      prometheusBinary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        "--storage.tsdb.retention.time=100y",
        "--storage.tsdb.min-block-duration=2h",
        "--storage.tsdb.max-block-duration=2h",
        `--web.listen-address=127.0.0.1:${port}`,
        "--enable-feature=native-histograms",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.stdout?.on("data", (b: Buffer) => log.push(b.toString()));
    proc.stderr?.on("data", (b: Buffer) => log.push(b.toString()));
    const srv = new PrometheusServer(proc, dir, `http://127.0.0.1:${port}`, log);
    try {
      await srv.waitReady();
    } catch (e) {
      await srv.stop();
      throw new Error(`prometheus did not become ready: ${(e as Error).message}\n${log.join("").slice(-4000)}`);
    }
    return srv;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.proc.exitCode !== null) throw new Error(`exited with code ${this.proc.exitCode}`);
      try {
        const r = await fetch(`${this.url}/-/ready`);
        if (r.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error("timeout");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async queryRange(query: string, startMs: number, endMs: number, stepMs: number): Promise<ApiResponse> {
    const body = new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) });
    const r = await fetch(`${this.url}/api/v1/query_range`, { method: "POST", body });
    return (await r.json()) as ApiResponse;
  }

  async queryInstant(query: string, timeMs: number): Promise<ApiResponse> {
    const body = new URLSearchParams({ query, time: String(timeMs / 1000) });
    const r = await fetch(`${this.url}/api/v1/query`, { method: "POST", body });
    return (await r.json()) as ApiResponse;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
      this.proc.kill("SIGTERM");
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
