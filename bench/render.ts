// Re-renders bench/results/latest.md and the charts from latest.json, e.g.
// after changing the report layout, without rerunning the benchmark.
//
//   node dist/bench/render.js
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_ROOT } from "./data.js";
import { markdown, writeCharts, type BenchResults } from "./report.js";

const dir = join(BENCH_ROOT, "results");
const results = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as BenchResults;
for (const c of writeCharts(results)) writeFileSync(join(dir, c.name), c.png);
writeFileSync(join(dir, "latest.md"), markdown(results));
process.stderr.write(`rendered ${dir}/latest.md and charts\n`);
