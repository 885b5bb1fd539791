#!/usr/bin/env node
// parquet-gateway: the single command-line entry point.

import { Command, CommanderError } from "commander";
import { registerConvert } from "./convert.js";
import { registerCost } from "./cost.js";
import { registerDownsample } from "./downsample.js";
import { registerDump } from "./dump.js";
import { registerServe } from "./serve.js";
import { registerInspect } from "./inspect.js";
import { registerTsdb } from "./tsdb.js";

const program = new Command();
program.name("parquet-gateway").description("Prometheus TSDB blocks as Parquet on object storage, served through the Thanos StoreAPI").version("0.1.0");
program.exitOverride();
registerConvert(program);
registerDump(program);
registerDownsample(program);
registerServe(program);
registerInspect(program);
registerTsdb(program);
registerCost(program);

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    if (isEpipe(e)) process.exit(0);
    process.stderr.write(`parquet-gateway: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

function isEpipe(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: string }).code === "EPIPE";
}

process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
});

void main();
