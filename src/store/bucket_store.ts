// The Store over Parquet units in a bucket: periodic discovery, per-shard
// readers with cached metadata, and the Series / LabelNames / LabelValues
// semantics of a Thanos store (external labels matched first and added,
// replica labels removed, output sorted and deduplicated, limits).

import { Counter, register } from "prom-client";
import { compareLabels, compareStrings, labelsFromRecord, type Labels } from "../model/labels.js";
import type { Matcher } from "../model/matchers.js";
import type { Bucket } from "../objstore/bucket.js";
import { ObjstoreError } from "../objstore/errors.js";
import type { CellChunk } from "../parquet/schema.js";
import { readColumnRows, readDictionary, type ParquetFile } from "../parquet/reader.js";
import { labelColumnName } from "../parquet/schema.js";
import type { Logger } from "../util/log.js";
import { StoreError, type LabelsRequest, type SelectRequest, type SelectResult, type Store, type StoreChunk, type StoreInfo, type StoreSeries } from "./api.js";
import { ByteCache, cacheMetrics } from "./cache.js";
import { discoverUnits, type UnitRef } from "./discovery.js";
import { FetchScope, scopedFetch, withScope, type FetchOptions } from "./fetch_scope.js";
import { ConcurrencyGate, RequestBudget, type Limits } from "./limits.js";
import { countRows, type RowRanges } from "./rows.js";
import { ShardReader, type ShardFiles } from "./shard.js";
import { AggFiles, readAggChunks, type StoreAggrChunk } from "./agg_read.js";
import { pickResolution } from "./resolution.js";

export interface BucketStoreOptions {
  /** External labels added to (or overriding) every stream's own. */
  externalLabels: Record<string, string>;
  metadataCacheBytes: number;
  /** 0 disables the data cache. */
  dataCacheBytes: number;
  coalesceGapBytes: number;
  fetchConcurrency: number;
  limits: Limits;
  log: Logger;
}

interface LoadedUnit {
  ref: UnitRef;
  /** Stream labels with overrides applied, sorted. */
  ext: Labels;
  shards: ShardReader[];
}

/** Output series per batch: chunks are fetched a batch at a time, bounding memory. */
const BATCH = 256;

const seriesSelected = new Counter({ name: "parquet_gateway_series_selected_total", help: "Series returned by Series calls.", registers: [register] });

export class BucketStore implements Store {
  private units = new Map<string, LoadedUnit>();
  private readonly metaCache: ByteCache<ShardFiles>;
  private readonly aggFiles: AggFiles;
  private readonly fetchOpts: FetchOptions;
  private readonly gate: ConcurrencyGate;
  private synced = false;

  constructor(
    private readonly bucket: Bucket,
    private readonly opts: BucketStoreOptions,
  ) {
    const metrics = cacheMetrics();
    this.metaCache = new ByteCache<ShardFiles>("metadata", opts.metadataCacheBytes, (f) => f.labels.metadataBytes + f.chunks.metadataBytes, metrics);
    this.aggFiles = new AggFiles(new ByteCache<ParquetFile>("metadata", opts.metadataCacheBytes, (f) => f.metadataBytes, metrics), scopedFetch);
    this.fetchOpts = {
      coalesceGapBytes: opts.coalesceGapBytes,
      concurrency: opts.fetchConcurrency,
      ...(opts.dataCacheBytes > 0 ? { dataCache: new ByteCache<Uint8Array>("data", opts.dataCacheBytes, (b) => b.length, metrics) } : {}),
    };
    this.gate = new ConcurrencyGate(opts.limits.maxConcurrent);
  }

  get ready(): boolean {
    return this.synced;
  }

  /** Discovers units: new ones appear, deleted or marked ones disappear. */
  async sync(): Promise<{ added: number; removed: number }> {
    const { units, ignored } = await discoverUnits(this.bucket);
    const next = new Map<string, LoadedUnit>();
    let added = 0;
    for (const u of units) {
      const have = this.units.get(u.prefix);
      if (have && have.ref.meta.createdAt === u.meta.createdAt) {
        next.set(u.prefix, have);
        continue;
      }
      const ext = labelsFromRecord({ ...u.meta.stream.labels, ...this.opts.externalLabels });
      const shards = u.meta.shards.map((_, i) => new ShardReader(this.bucket, u.prefix, u.meta, i, this.metaCache, scopedFetch));
      next.set(u.prefix, { ref: u, ext, shards });
      if (have) {
        this.metaCache.deletePrefix(u.prefix);
        this.aggFiles.deletePrefix(u.prefix);
      }
      added++;
    }
    let removed = 0;
    for (const p of this.units.keys()) {
      if (!next.has(p)) {
        this.metaCache.deletePrefix(p);
        this.aggFiles.deletePrefix(p);
        removed++;
      }
    }
    this.units = next;
    this.synced = true;
    if (added || removed) this.opts.log.info({ units: next.size, added, removed, ignored: ignored.length }, "bucket sync");
    return { added, removed };
  }

  info(): StoreInfo {
    let minTime = Number.MAX_SAFE_INTEGER;
    let maxTime = Number.MIN_SAFE_INTEGER;
    const sets = new Map<string, { labels: Labels; minTime: number; maxTime: number }>();
    const res = new Set<number>();
    for (const u of this.units.values()) {
      minTime = Math.min(minTime, u.ref.meta.dataMinTime);
      maxTime = Math.max(maxTime, u.ref.meta.dataMaxTime);
      const k = JSON.stringify(u.ext);
      const st = sets.get(k);
      if (st) {
        st.minTime = Math.min(st.minTime, u.ref.meta.dataMinTime);
        st.maxTime = Math.max(st.maxTime, u.ref.meta.dataMaxTime);
      } else sets.set(k, { labels: u.ext, minTime: u.ref.meta.dataMinTime, maxTime: u.ref.meta.dataMaxTime });
      for (const r of u.ref.meta.resolutions) res.add(r);
    }
    if (sets.size === 0) {
      // Nothing converted yet: advertise an empty range, as Thanos stores do.
      minTime = Number.MAX_SAFE_INTEGER;
      maxTime = Number.MIN_SAFE_INTEGER;
    }
    const streams = [...sets.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    return { minTime, maxTime, labelSets: streams.map((s) => s.labels), resolutions: [...res].sort((a, b) => a - b), streams };
  }

  async select(req: SelectRequest): Promise<SelectResult> {
    const release = this.gate.enter();
    const warnings: string[] = [];
    try {
      checkMatchers(req.matchers, this.extNames());
      const scope = new FetchScope(this.fetchOpts);
      const budget = new RequestBudget(this.opts.limits);
      const picked = await withScope(scope, () => this.selectLabels(req, scope, warnings));
      // Sort by final labels; identical label sets (one series over several units) merge.
      picked.sort((a, b) => compareLabels(a.labels, b.labels));
      const groups: Picked[][] = [];
      for (const p of picked) {
        const last = groups[groups.length - 1];
        if (last && compareLabels(last[0]!.labels, p.labels) === 0) last.push(p);
        else groups.push([p]);
      }
      let n = groups.length;
      if (req.limit && req.limit > 0 && n > req.limit) {
        warnings.push(`series limit ${req.limit} reached: returned ${req.limit} of ${n} series`);
        n = req.limit;
      }
      budget.series(n);
      const series = this.stream(groups.slice(0, n), req, scope, budget, release, warnings);
      return { series, warnings };
    } catch (e) {
      release();
      throw mapError(e);
    }
  }

  private async *stream(groups: Picked[][], req: SelectRequest, scope: FetchScope, budget: RequestBudget, release: () => void, warnings: string[]): AsyncGenerator<StoreSeries> {
    try {
      for (let i = 0; i < groups.length; i += BATCH) {
        if (req.signal?.aborted) throw new StoreError("canceled", "request canceled");
        const batch = groups.slice(i, i + BATCH);
        // skip_chunks still needs a chunk in range per series; only partially covered units must be checked
        // (and units read at an aggregate resolution, where a row may have no aggregates).
        const needChunks = !req.skipChunks || batch.some((g) => g.some((p) => req.minTime > p.unit.ref.meta.dataMinTime || req.maxTime < p.unit.ref.meta.dataMaxTime || resolutionOf(p.unit, req) !== 0));
        const chunks = needChunks ? await withScope(scope, () => this.fetchChunks(batch, req, scope, warnings)) : undefined;
        for (let j = 0; j < batch.length; j++) {
          const g = batch[j]!;
          let out: StoreChunk[] = [];
          let aggr: StoreAggrChunk[] = [];
          if (chunks) {
            out = chunks[j]!.raw;
            aggr = chunks[j]!.aggr;
            if (out.length === 0 && aggr.length === 0) continue; // no chunk in range: Thanos sends no such series
            if (req.skipChunks) {
              out = [];
              aggr = [];
            } else {
              for (const c of out) budget.chunk(c.data.length, c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0);
              for (const a of aggr) for (const c of Object.values(a.aggrs)) budget.chunk(c.data.length, c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0);
            }
          }
          seriesSelected.inc();
          yield aggr.length ? { labels: g[0]!.labels, chunks: out, aggrChunks: aggr } : { labels: g[0]!.labels, chunks: out };
        }
      }
    } catch (e) {
      throw mapError(e);
    } finally {
      release();
    }
  }

  private extNames(): Set<string> {
    const s = new Set<string>();
    for (const u of this.units.values()) for (const l of u.ext) s.add(l.name);
    return s;
  }

  /** Units overlapping the range whose external labels satisfy the matchers, with the remaining matchers. */
  private candidates(mint: number, maxt: number, matchers: readonly Matcher[]): { unit: LoadedUnit; rest: Matcher[] }[] {
    const out: { unit: LoadedUnit; rest: Matcher[] }[] = [];
    for (const unit of this.units.values()) {
      const m = unit.ref.meta;
      if (m.dataMaxTime < mint || m.dataMinTime > maxt) continue;
      const rest: Matcher[] = [];
      let ok = true;
      for (const mt of matchers) {
        const ext = unit.ext.find((l) => l.name === mt.name);
        if (ext) {
          if (!mt.matches(ext.value)) ok = false;
        } else rest.push(mt);
      }
      if (ok) out.push({ unit, rest });
    }
    return out;
  }

  private async selectLabels(req: SelectRequest, scope: FetchScope, warnings: string[]): Promise<Picked[]> {
    const out: Picked[] = [];
    const drop = new Set(req.withoutReplicaLabels ?? []);
    for (const { unit, rest } of this.candidates(req.minTime, req.maxTime, req.matchers)) {
      // Units without a resolution the request can use hold nothing for it.
      if (resolutionOf(unit, req) === undefined) continue;
      try {
        for (const shard of unit.shards) {
          const rows = await shard.selectRows(rest, scope);
          if (rows.length === 0) continue;
          const labels = await shard.readLabels(rows, scope);
          let r = 0;
          for (const [s, e] of rows) {
            for (let row = s; row < e; row++) out.push({ labels: finalLabels(labels[r++]!, unit.ext, drop), shard, row, unit });
          }
        }
      } catch (e) {
        if (!req.partialResponse || !(e instanceof ObjstoreError)) throw e;
        warnings.push(`unit ${unit.ref.prefix} unavailable: ${e.message}`);
      }
    }
    return out;
  }

  /** Chunks of each group (in time order, deduplicated), fetched shard by shard at each unit's resolution. */
  private async fetchChunks(batch: Picked[][], req: SelectRequest, scope: FetchScope, warnings: string[]): Promise<{ raw: StoreChunk[]; aggr: StoreAggrChunk[] }[]> {
    const byShard = new Map<ShardReader, { row: number; group: number }[]>();
    batch.forEach((g, gi) => {
      for (const p of g) {
        let l = byShard.get(p.shard);
        if (!l) byShard.set(p.shard, (l = []));
        l.push({ row: p.row, group: gi });
      }
    });
    const out: StoreChunk[][] = batch.map(() => []);
    const aggr: StoreAggrChunk[][] = batch.map(() => []);
    for (const [shard, items] of byShard) {
      try {
        items.sort((a, b) => a.row - b.row);
        const ranges: RowRanges = [];
        for (const it of items) {
          const last = ranges[ranges.length - 1];
          if (last && last[1] === it.row) last[1]++;
          else if (!last || last[1] <= it.row) ranges.push([it.row, it.row + 1]);
        }
        const res = pickResolution(shard.meta.resolutions, req.maxResolutionWindow ?? 0);
        if (res === undefined) continue;
        if (res !== 0) {
          const file = await this.aggFiles.open(shard, res);
          const rows = await readAggChunks(shard, file, req.aggregates ?? [], ranges, req.minTime, req.maxTime, scope);
          if (rows.length !== countRows(ranges)) throw new StoreError("internal", `shard ${shard.key}: aggregate rows mismatch`);
          items.forEach((it, i) => aggr[it.group]!.push(...rows[i]!));
          continue;
        }
        const cells = await shard.readChunks(ranges, req.minTime, req.maxTime, scope);
        if (cells.length !== countRows(ranges)) throw new StoreError("internal", `shard ${shard.key}: chunk rows mismatch`);
        items.forEach((it, i) => out[it.group]!.push(...cells[i]!.map(toStoreChunk)));
      } catch (e) {
        // WARN: a shard whose chunks cannot be read drops out with a warning, like one whose labels cannot.
        if (!req.partialResponse || !(e instanceof ObjstoreError)) throw e;
        warnings.push(`unit ${shard.prefix} unavailable: ${e.message}`);
      }
    }
    for (const list of out) {
      list.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
      // The same chunk can come from two units only if they overlap; drop exact repeats.
      for (let i = list.length - 1; i > 0; i--) if (sameChunk(list[i]!, list[i - 1]!)) list.splice(i, 1);
    }
    for (const list of aggr) list.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
    return out.map((raw, i) => ({ raw, aggr: aggr[i]! }));
  }

  async labelNames(req: LabelsRequest): Promise<{ names: string[]; warnings: string[] }> {
    const release = this.gate.enter();
    const warnings: string[] = [];
    try {
      const drop = new Set(req.withoutReplicaLabels ?? []);
      const names = new Set<string>();
      const scope = new FetchScope(this.fetchOpts);
      await withScope(scope, async () => {
        for (const { unit, rest } of this.candidates(req.minTime, req.maxTime, req.matchers)) {
          try {
            let any = false;
            for (const shard of unit.shards) {
              if (rest.length === 0) {
                for (const n of shard.labelNames) names.add(n);
                any = true;
                continue;
              }
              const rows = await shard.selectRows(rest, scope);
              if (rows.length === 0) continue;
              any = true;
              for (const ls of await shard.readLabels(rows, scope)) for (const l of ls) names.add(l.name);
            }
            if (any) for (const l of unit.ext) names.add(l.name);
          } catch (e) {
            if (!req.partialResponse || !(e instanceof ObjstoreError)) throw e;
            warnings.push(`unit ${unit.ref.prefix} unavailable: ${e.message}`);
          }
        }
      });
      for (const d of drop) names.delete(d);
      return { names: limit([...names].sort(compareStrings), req.limit), warnings };
    } catch (e) {
      throw mapError(e);
    } finally {
      release();
    }
  }

  async labelValues(name: string, req: LabelsRequest): Promise<{ values: string[]; warnings: string[] }> {
    if (name === "") throw new StoreError("invalid_argument", "label name parameter cannot be empty");
    const release = this.gate.enter();
    const warnings: string[] = [];
    try {
      if ((req.withoutReplicaLabels ?? []).includes(name)) return { values: [], warnings };
      const values = new Set<string>();
      const scope = new FetchScope(this.fetchOpts);
      await withScope(scope, async () => {
        for (const { unit, rest } of this.candidates(req.minTime, req.maxTime, req.matchers)) {
          try {
            const ext = unit.ext.find((l) => l.name === name);
            if (ext) {
              // An external label's value, whenever the unit has a matching series (or no matchers remain).
              if (rest.length === 0 || (await this.anyRow(unit, rest, scope))) values.add(ext.value);
              continue;
            }
            for (const shard of unit.shards) {
              if (!shard.labelNames.has(name)) continue;
              const { labels: lf } = await shard.files();
              if (rest.length === 0) {
                for (const v of await allValues(lf, labelColumnName(name))) values.add(v);
                continue;
              }
              const rows = await shard.selectRows(rest, scope);
              if (rows.length === 0) continue;
              await shard.prefetchRows(lf, [labelColumnName(name)], rows, scope);
              for (const [s, e] of rows) for (const v of await readColumnRows(lf, labelColumnName(name), s, e)) if (typeof v === "string" && v !== "") values.add(v);
            }
          } catch (e) {
            if (!req.partialResponse || !(e instanceof ObjstoreError)) throw e;
            warnings.push(`unit ${unit.ref.prefix} unavailable: ${e.message}`);
          }
        }
      });
      return { values: limit([...values].sort(compareStrings), req.limit), warnings };
    } catch (e) {
      throw mapError(e);
    } finally {
      release();
    }
  }

  private async anyRow(unit: LoadedUnit, rest: Matcher[], scope: FetchScope): Promise<boolean> {
    for (const shard of unit.shards) if ((await shard.selectRows(rest, scope)).length > 0) return true;
    return false;
  }
}

interface Picked {
  labels: Labels;
  shard: ShardReader;
  row: number;
  unit: LoadedUnit;
}

/** Stored labels, with external labels added (overriding same-named ones) and replica labels removed. */
function finalLabels(stored: Labels, ext: Labels, drop: ReadonlySet<string>): Labels {
  const out: Labels = [];
  let i = 0;
  let j = 0;
  while (i < stored.length || j < ext.length) {
    const a = stored[i];
    const b = ext[j];
    let next;
    if (!b || (a && compareStrings(a.name, b.name) < 0)) next = stored[i++]!;
    else if (!a || compareStrings(a.name, b.name) > 0) next = ext[j++]!;
    else {
      next = b;
      i++;
      j++;
    }
    if (!drop.has(next.name)) out.push(next);
  }
  return out;
}

/** Thanos TSDB stores refuse requests whose only matchers are on external labels. */
function checkMatchers(ms: readonly Matcher[], extNames: ReadonlySet<string>): void {
  if (ms.length === 0 || ms.every((m) => extNames.has(m.name))) {
    throw new StoreError("invalid_argument", "no matchers specified (excluding external labels)");
  }
}

async function allValues(f: ParquetFile, column: string): Promise<string[]> {
  const out: string[] = [];
  for (let rg = 0; rg < f.rowGroupCount; rg++) {
    const dict = await readDictionary(f, rg, column);
    if (dict) {
      for (const v of dict) if (typeof v === "string" && v !== "") out.push(v);
    } else {
      for (const v of await readColumnRows(f, column, f.rowGroupStarts[rg]!, f.rowGroupStarts[rg + 1]!)) if (typeof v === "string" && v !== "") out.push(v);
    }
  }
  return out;
}

function limit<T>(xs: T[], n: number | undefined): T[] {
  return n && n > 0 && xs.length > n ? xs.slice(0, n) : xs;
}

function resolutionOf(unit: LoadedUnit, req: SelectRequest): number | undefined {
  return pickResolution(unit.ref.meta.resolutions, req.maxResolutionWindow ?? 0);
}

function toStoreChunk(c: CellChunk): StoreChunk {
  return { minTime: c.minTime, maxTime: c.maxTime, encoding: c.encoding, data: c.data };
}

function sameChunk(a: StoreChunk, b: StoreChunk): boolean {
  return a.minTime === b.minTime && a.maxTime === b.maxTime && a.encoding === b.encoding && Buffer.compare(a.data, b.data) === 0;
}

function mapError(e: unknown): Error {
  if (e instanceof StoreError) return e;
  if (e instanceof ObjstoreError) return new StoreError("unavailable", `object storage: ${e.message}`, { cause: e });
  if (e instanceof Error && e.name === "InvalidMatcherError") return new StoreError("invalid_argument", e.message, { cause: e });
  return new StoreError("internal", (e as Error).message ?? String(e), { cause: e });
}
