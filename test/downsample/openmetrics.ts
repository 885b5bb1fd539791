// Hand-rolled OpenMetrics test data for downsampling: counters with resets,
// gauges, gaps and irregular scrape intervals, backfilled into TSDB blocks
// with promtool. Samples are also returned, for references built in-process.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promtoolBinary, run } from "../../tools/make-blocks.js";
import { Rng } from "../../tools/prng.js";

export interface OmSeries {
  /** Label set as printed by promtool dump, e.g. `{__name__="c_total", i="0"}`. */
  key: string;
  t: number[];
  v: number[];
}

export interface OmOptions {
  start: number;
  end: number;
  counters: number;
  gauges: number;
  seed: number;
  /** Typical scrape interval; actual intervals vary around it. */
  intervalMs: number;
  /** Irregular intervals, gaps and resets (default true). */
  messy?: boolean;
}

export function genOpenMetrics(o: OmOptions): { text: string; series: OmSeries[] } {
  const series: OmSeries[] = [];
  const messy = o.messy ?? true;
  let text = "";
  const family = (name: string, type: string, n: number, value: (rng: Rng, prev: number) => number): void => {
    text += `# HELP ${name} test\n# TYPE ${name} ${type}\n`;
    const sample = type === "counter" ? `${name}_total` : name;
    for (let i = 0; i < n; i++) {
      const rng = new Rng(o.seed, type === "counter" ? 1 : 2, i);
      const s: OmSeries = { key: `{__name__="${sample}", i="${i}"}`, t: [], v: [] };
      let t = o.start + rng.int(o.intervalMs);
      let v = type === "counter" ? rng.int(100) : 0;
      while (t < o.end) {
        if (messy && rng.next() < 0.005) t += rng.int(4 * 3_600_000); // gap
        if (t >= o.end) break;
        v = value(rng, v);
        s.t.push(t);
        s.v.push(v);
        text += `${sample}{i="${i}"} ${v} ${(t / 1000).toFixed(3)}\n`;
        t += messy ? Math.max(1000, Math.round(o.intervalMs * (0.3 + 1.4 * rng.next()))) : o.intervalMs;
      }
      series.push(s);
    }
  };
  family("c", "counter", o.counters, (rng, prev) => (messy && rng.next() < 0.01 ? rng.int(10) : prev + rng.int(50)));
  family("g", "gauge", o.gauges, (rng) => Math.round(rng.normal() * 1000) / 8);
  text += "# EOF\n";
  return { text, series };
}

/** Backfills the data into blocks (promtool's 2h blocks unless maxBlockDuration is given). */
export async function backfill(text: string, maxBlockDuration?: string): Promise<{ dir: string; cleanup(): void }> {
  const work = mkdtempSync(join(tmpdir(), "pgw-ds-om-"));
  const file = join(work, "data.om");
  writeFileSync(file, text);
  const out = join(work, "blocks");
  const args = ["tsdb", "create-blocks-from", "openmetrics"];
  if (maxBlockDuration) args.push(`--max-block-duration=${maxBlockDuration}`);
  await run(promtoolBinary(), [...args, file, out]);
  rmSync(file);
  return { dir: out, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}
