// `tsdb analyze` agrees with `promtool tsdb analyze` on the block summary and
// reports chunk statistics that match the block's meta.json.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";

const ULID = "01M81C8ZSCQXTCPJQRKEHEEMV8";
const block = fileURLToPath(new URL(`../fixtures/block-1k-2h/${ULID}`, import.meta.url));

function promtoolAnalyze(): string {
  const d = mkdtempSync(join(tmpdir(), "pg-analyze-"));
  try {
    cpSync(block, join(d, ULID), { recursive: true });
    mkdirSync(join(d, "wal"));
    return execFileSync("promtool", ["tsdb", "analyze", d], { encoding: "utf8" });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

const field = (text: string, name: string): string | undefined => new RegExp(`^${name.replace(/[()]/g, "\\$&")}: (.*)$`, "m").exec(text)?.[1];

describe("tsdb analyze", () => {
  it("matches promtool's block summary and counts every chunk", async () => {
    const r = await runCli(["tsdb", "analyze", block]);
    expect(r.code, r.stderr).toBe(0);
    const theirs = promtoolAnalyze();
    for (const name of ["Block ID", "Duration", "Series", "Label names", "Postings (unique label pairs)", "Postings entries (total label pairs)"]) {
      expect(field(r.stdout, name), name).toBe(field(theirs, name));
    }
    const meta = JSON.parse(readFileSync(join(block, "meta.json"), "utf8")) as { stats: { numSamples: number; numChunks: number } };
    expect(Number(field(r.stdout, "Chunks"))).toBe(meta.stats.numChunks);
    expect(Number(field(r.stdout, "Samples"))).toBe(meta.stats.numSamples);
    expect(r.stdout).toMatch(/^\s+390 instance$/m);
  });
});
