// The committed generated code (src/api/grpc/gen) must match proto/: rerun
// protoc and the generator into a temporary directory and compare. Skipped
// where protoc is not installed (`make proto` installs it).

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const hasProtoc = spawnSync("protoc", ["--version"]).status === 0;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out.sort();
}

describe("generated code", () => {
  it.skipIf(!hasProtoc)("is up to date with proto/ (make proto)", () => {
    const tmp = mkdtempSync(join(tmpdir(), "pgw-proto-"));
    try {
      const protoDir = join(root, "proto");
      const protos = files(protoDir).filter((f) => f.endsWith(".proto")).map((f) => relative(protoDir, f));
      execFileSync("protoc", ["-I", ".", "--include_imports", `--descriptor_set_out=${join(tmp, "set.pb")}`, ...protos], { cwd: protoDir });
      const out = join(tmp, "gen");
      execFileSync(process.execPath, [join(root, "src/api/grpc/codegen/generate.ts"), join(tmp, "set.pb"), out]);
      const committed = join(root, "src/api/grpc/gen");
      const want = files(out).map((f) => relative(out, f));
      expect(files(committed).map((f) => relative(committed, f))).toEqual(want);
      for (const f of want) expect(readFileSync(join(committed, f), "utf8"), f).toBe(readFileSync(join(out, f), "utf8"));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
