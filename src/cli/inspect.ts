// `parquet-gateway inspect`: what a bucket of converted data holds, down to
// the row groups and columns of every Parquet file, from footers and offset
// indexes only. Aligned text by default, --json for scripts.

import type { Command } from "commander";
import { formatLabels, labelsFromRecord } from "../model/labels.js";
import { inspectBucket, type BucketInspection, type ColumnReport, type FileReport, type KindTotals, type UnitReport } from "../store/inspect.js";
import { formatDuration } from "../util/duration.js";
import { LineWriter } from "../util/output.js";
import { addBucketFlags, bucketFromFlags } from "./bucket_flags.js";
import { formatBytes } from "../util/bytesize.js";
import { formatInt, textTable } from "../util/text_table.js";

interface InspectFlags {
  "objstore.configFile"?: string;
  "objstore.config"?: string;
  json?: boolean;
  unit?: string;
  columns?: boolean;
}

export function registerInspect(program: Command): void {
  const cmd = program.command("inspect").description("list streams, units, shards and the layout of their Parquet files (reads footers and offset indexes only)");
  addBucketFlags(cmd);
  cmd
    .option("--json", "machine-readable output")
    .option("--unit <substring>", "only units whose prefix (<stream>/<partition>/) contains this")
    .option("--columns", "per-column details: sizes, encodings, codec, page indexes, bloom filters, pages")
    .action(async (o: InspectFlags) => {
      const bucket = await bucketFromFlags(o["objstore.configFile"], o["objstore.config"]);
      try {
        const r = await inspectBucket(bucket, { ...(o.unit !== undefined ? { unit: o.unit } : {}), columns: o.columns === true });
        const w = new LineWriter(process.stdout);
        if (o.json) await w.write(JSON.stringify(r, null, 2) + "\n");
        else for (const line of formatInspection(r)) await w.write(line + "\n");
        await w.flush();
      } finally {
        await bucket.close();
      }
    });
}

/** The text report, one string per line. */
export function formatInspection(r: BucketInspection): string[] {
  const out: string[] = [];
  out.push(`STREAMS (${r.streams.length})`);
  out.push(
    ...textTable(
      ["ID", "UNITS", "LABELS"],
      r.streams.map((s) => [s.id, formatInt(s.units), s.labels ? formatLabels(labelsFromRecord(s.labels)) : "(no stream.json)"]),
      "lrl",
      "  ",
    ),
  );
  for (const s of r.streams) for (const p of s.problems) out.push(`  ! stream ${s.id}: ${p}`);
  for (const u of r.units) out.push("", ...formatUnit(u));
  out.push("", ...formatTotals(r));
  return out;
}

function formatUnit(u: UnitReport): string[] {
  const out = [`UNIT ${u.prefix}  ${u.status === "published" ? "published" : `IGNORED (${u.status}): ${u.reason ?? ""}`}`];
  const kv: string[][] = [["partition", `${fmtTime(u.startMs)} .. ${fmtTime(u.startMs + u.durationMs)} (${fmtDur(u.durationMs)})`]];
  const m = u.meta;
  if (m) {
    kv.push(
      ["data", `${fmtTime(m.dataMinTime)} .. ${fmtTime(m.dataMaxTime)} (first and last sample)`],
      ["sources", `${m.sources.length}: ${m.sources.join(" ")}`],
      // parseUnitMeta does not check stats.
      ["stats", m.stats ? `${formatInt(m.stats.series)} series, ${formatInt(m.stats.chunks)} chunks, ${formatInt(m.stats.samples)} samples` : "(none)"],
      ["bytes", m.stats ? `${formatBytes(m.stats.bytes)} written from ${formatBytes(m.stats.sourceBytes)} of source blocks` : "(none)"],
      ["layout", `${m.shards.length} shard(s), ${m.dataColumns} window(s) of ${fmtDur(m.dataColDurationMs)}, sorted by ${m.sortBy.join(",") || "(labels only)"}, resolutions ${m.resolutions.map((x) => (x === 0 ? "raw" : fmtDur(x))).join(",")}`],
      ["created", `${m.createdAt} by ${m.createdBy}`],
    );
  }
  if (u.status !== "published") kv.push(["objects", u.objects.map((o) => `${o.name} ${formatBytes(o.size)}`).join(", ") || "(none)"]);
  out.push(...textTable(["", ""], kv, "ll", "  ").slice(1));
  for (const p of u.problems) out.push(`  ! ${p}`);
  for (const sh of u.shards) {
    const rows = sh.rows === null ? "not in meta.json" : `${formatInt(sh.rows)} rows`;
    out.push("", `  shard ${sh.shard}: ${rows}, ${sh.labelNames.length} label columns: ${sh.labelNames.join(" ")}`);
    out.push(
      ...textTable(
        ["FILE", "SIZE", "ROWS", "ROW GROUPS", "DATA", "PAGE INDEX", "BLOOM", "FOOTER", "UNCOMPRESSED", "RATIO"],
        sh.files.map((f) =>
          f.error !== undefined && f.rowGroups.length === 0
            ? [f.name, formatInt(f.size), "-", "-", "-", "-", "-", "-", "-", `error: ${f.error}`]
            : [f.name, formatInt(f.size), formatInt(f.rows), formatInt(f.rowGroups.length), formatBytes(f.compressedBytes), formatBytes(f.pageIndexBytes), formatBytes(f.bloomBytes), formatBytes(f.footerBytes), formatBytes(f.uncompressedBytes), fmtRatio(f.uncompressedBytes, f.compressedBytes)],
        ),
        "lrrrrrrrrr",
        "    ",
      ),
    );
    for (const f of sh.files) out.push(...formatFile(f));
  }
  return out;
}

function formatFile(f: FileReport): string[] {
  if (f.rowGroups.length === 0) return [];
  const out = ["", `    ${f.name}: row groups`];
  out.push(
    ...textTable(
      ["#", "FIRST ROW", "ROWS", "COMPRESSED", "UNCOMPRESSED", "RATIO"],
      f.rowGroups.map((g) => [String(g.index), formatInt(g.firstRow), formatInt(g.rows), formatBytes(g.compressedBytes), formatBytes(g.uncompressedBytes), fmtRatio(g.uncompressedBytes, g.compressedBytes)]),
      "rrrrrr",
      "      ",
    ),
  );
  if (f.columns) {
    out.push("", `    ${f.name}: columns`);
    out.push(
      ...textTable(
        ["COLUMN", "TYPE", "COMPRESSED", "UNCOMPRESSED", "RATIO", "PAGES", "ENCODINGS", "CODEC", "COLUMN INDEX", "OFFSET INDEX", "BLOOM"],
        f.columns.map((c) => [
          c.name,
          columnType(c),
          formatBytes(c.compressedBytes),
          formatBytes(c.uncompressedBytes),
          fmtRatio(c.uncompressedBytes, c.compressedBytes),
          c.pages === null ? "?" : formatInt(c.pages),
          c.encodings.join(","),
          c.codecs.join(","),
          presence(c.columnIndexChunks, c.chunks),
          presence(c.offsetIndexChunks, c.chunks),
          c.bloomFilterChunks ? `${presence(c.bloomFilterChunks, c.chunks)} (${formatBytes(c.bloomBytes)})` : "no",
        ]),
        "llrrrrlllll",
        "      ",
      ),
    );
  }
  return out;
}

function formatTotals(r: BucketInspection): string[] {
  const t = r.totals;
  const out = ["TOTALS"];
  out.push(
    ...textTable(
      ["", ""],
      [
        ["units", `${formatInt(t.units)} published, ${formatInt(t.ignoredUnits)} ignored, in ${formatInt(t.streams)} stream(s)`],
        ["shards", `${formatInt(t.shards)} with ${formatInt(t.files)} files and ${formatInt(t.rows)} rows`],
        ["data", `${formatInt(t.series)} series, ${formatInt(t.chunks)} chunks, ${formatInt(t.samples)} samples, ${t.samples ? (t.bytes / t.samples).toFixed(2) : "-"} bytes per sample`],
        ["problems", formatInt(t.problems)],
      ],
      "ll",
      "  ",
    ).slice(1),
  );
  const kinds = Object.entries(t.byKind) as [string, KindTotals][];
  const all: KindTotals = { files: t.files, bytes: t.bytes, compressedBytes: t.compressedBytes, uncompressedBytes: t.uncompressedBytes };
  out.push(
    ...textTable(
      ["KIND", "FILES", "BYTES", "SIZE", "COMPRESSED", "UNCOMPRESSED", "RATIO"],
      [...kinds, ["all", all] as [string, KindTotals]].map(([k, v]) => [k, formatInt(v.files), formatInt(v.bytes), formatBytes(v.bytes), formatBytes(v.compressedBytes), formatBytes(v.uncompressedBytes), fmtRatio(v.uncompressedBytes, v.compressedBytes)]),
      "lrrrrrr",
      "  ",
    ),
  );
  return out;
}

function columnType(c: ColumnReport): string {
  const t = c.logicalType ? `${c.physicalType}/${c.logicalType}` : c.physicalType;
  return c.repetition === "OPTIONAL" ? `${t}?` : t;
}

function presence(n: number, of: number): string {
  return n === of && of > 0 ? "yes" : n === 0 ? "no" : `${n}/${of}`;
}




function fmtRatio(uncompressed: number, compressed: number): string {
  return compressed > 0 ? `${(uncompressed / compressed).toFixed(2)}x` : "-";
}

/** Whole hours as the partition names spell them ("24h", not "1d"). */
function fmtDur(ms: number): string {
  return ms > 0 && ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : formatDuration(ms);
}

function fmtTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
