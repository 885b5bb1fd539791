// The designed data set of the StoreAPI conformance suite, and the expected
// answers computed from it by plain loops. Nothing here calls the store's
// code: expectations come from the series as written, so a store bug cannot
// hide behind a shared helper.
//
// Three streams (Thanos external labels in each block's meta.json):
//   A {region="eu", replica="a"}  and  B {region="eu", replica="b"}
//     replicas: the same `conf` series with identical samples, so
//     without_replica_labels=["replica"] must merge them, plus a few series
//     only one of them has (`flip` changes order once replica is stripped,
//     `diff` has different samples in each);
//   U {region="us"}, three hours later, with stored labels named `region`
//     (overridden by the external one) and `replica` (kept: U has no such
//     external label), and one series crossing midnight (two daily units).

export const T0 = Date.UTC(2024, 0, 1);
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

export type StreamId = "A" | "B" | "U";
export const STREAMS: Record<StreamId, Record<string, string>> = {
  A: { region: "eu", replica: "a" },
  B: { region: "eu", replica: "b" },
  U: { region: "us" },
};
export const STREAM_IDS: StreamId[] = ["A", "B", "U"];

export interface DesignSeries {
  stream: StreamId;
  /** Labels as written to OpenMetrics, __name__ included; "" values on purpose (empty = absent). */
  written: Record<string, string>;
  /** [t ms, value], ascending; every t is a whole second (OpenMetrics timestamps are seconds). */
  samples: [number, number][];
}

export type LabelPairs = [string, string][];

let seq = 0;
function samples(start: number, step: number, n: number): [number, number][] {
  const id = ++seq;
  const out: [number, number][] = [];
  for (let k = 0; k < n; k++) out.push([start + k * step, id * 1000 + k]);
  return out;
}

export const LONG_X = "x".repeat(200);
export const LONG_E = "é".repeat(100); // 200 bytes of two-byte characters

/** The `conf` series every replica has: matcher edge cases live in their labels. */
const CONF: Record<string, string>[] = [
  { n: "1" },
  { n: "1", i: "a" },
  { n: "1", i: "b" },
  { n: "2" },
  { n: "2.5" },
  { n: "10" }, // "10" < "2" byte-wise
  { n: "9" },
  { n: "٣" }, // ARABIC-INDIC DIGIT THREE: \pN, not RE2's ASCII \d
  { n: "1", i: "a.b" },
  { n: "1", i: "a+b" },
  { n: "1", i: "axb" },
  { n: "1", i: "aab" },
  { n: "1", i: "A" },
  { n: "3", i: "ünïcödé" },
  { n: "3", i: "日本" },
  { n: "3", i: "𝔘" }, // astral: a surrogate pair in UTF-16, sorts after U+FF5A in UTF-8
  { n: "3", i: "ｚ" }, // U+FF5A
  { n: "4", i: "" }, // written empty: stored without `i`
  { n: "5", nl: "line1\nline2" },
  { n: "5", Zed: "z" }, // upper-case name sorts before __name__
  { n: "6", i: "a", quote: 'say "hi" \\ back' },
  // Longer than the Parquet statistics truncation (128 bytes): page bounds are truncated.
  { n: "7", long: LONG_X + "a" },
  { n: "7", long: LONG_X + "b" },
  { n: "8", long: LONG_E + "z" },
  { n: "8", long: LONG_E },
];

function build(): DesignSeries[] {
  const out: DesignSeries[] = [];
  const add = (stream: StreamId, written: Record<string, string>, s: [number, number][]): void => {
    out.push({ stream, written, samples: s });
  };
  for (const c of CONF) {
    const s = samples(T0, MIN, 20);
    add("A", { __name__: "conf", ...c }, s);
    add("B", { __name__: "conf", ...c }, s); // identical replica
  }
  add("B", { __name__: "conf", n: "only_b" }, samples(T0, MIN, 20));
  // 480 samples 15 s apart: several 120-sample chunks.
  add("A", { __name__: "chunky", k: "1" }, samples(T0, 15 * S, 480));
  // One chunk each, an hour apart.
  add("A", { __name__: "sparse", p: "early" }, samples(T0, MIN, 11));
  add("A", { __name__: "sparse", p: "late" }, samples(T0 + H, MIN, 11));
  // One series whose single chunk has a 50-minute hole.
  add("A", { __name__: "gappy", k: "1" }, [...samples(T0, MIN, 11), ...samples(T0 + H, MIN, 11)]);
  // With replica: A's {rz="1"} sorts first; without it, B's bare series does.
  add("A", { __name__: "flip", rz: "1" }, samples(T0, MIN, 5));
  add("B", { __name__: "flip" }, samples(T0, MIN, 5));
  // Same labels, different samples per replica: merged, chunks of both.
  add("A", { __name__: "diff", k: "1" }, samples(T0, MIN, 20));
  add("B", { __name__: "diff", k: "1" }, samples(T0 + 30 * S, MIN, 20));
  const u0 = T0 + 3 * H;
  add("U", { __name__: "conf", n: "1" }, samples(u0, MIN, 20));
  add("U", { __name__: "shadow", k: "1", region: "stored", replica: "stored" }, samples(u0, MIN, 20));
  add("U", { __name__: "usonly", j: "x" }, samples(u0, MIN, 20));
  // Crosses midnight: the us stream has two daily units, this series a part in each.
  add("U", { __name__: "midnight", k: "1" }, samples(T0 + 24 * H - 10 * MIN, MIN, 21));
  return out;
}

export const DESIGN: DesignSeries[] = build();

/** Byte-wise (UTF-8) string order, as Go compares strings. */
export function cmpBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Prometheus labels.Compare over sorted pairs. */
export function cmpPairs(a: LabelPairs, b: LabelPairs): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmpBytes(a[i]![0], b[i]![0]) || cmpBytes(a[i]![1], b[i]![1]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function sortedPairs(rec: Record<string, string>): LabelPairs {
  return Object.entries(rec)
    .filter(([, v]) => v !== "")
    .sort((x, y) => cmpBytes(x[0], y[0]));
}

/** Stored labels overridden by the stream's external labels (replica labels not yet removed). */
export function finalRecord(s: DesignSeries): Record<string, string> {
  const rec: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.written)) if (v !== "") rec[k] = v;
  return { ...rec, ...STREAMS[s.stream] };
}

export function streamRange(id: StreamId): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of DESIGN) {
    if (s.stream !== id) continue;
    lo = Math.min(lo, s.samples[0]![0]);
    hi = Math.max(hi, s.samples[s.samples.length - 1]![0]);
  }
  return [lo, hi];
}

/** A request predicate over the final label record: a missing label reads as "". */
export type Pred = (get: (name: string) => string) => boolean;

export interface Expect {
  /** Matcher predicate, hand-written per case (never the store's matcher code). */
  pred: Pred;
  /** Series selection by time: a whole series list restricted by the caller. */
  keep?: (s: DesignSeries) => boolean;
  drop?: string[];
}

/** Expected Series label sets: matching series, replica labels removed, merged, byte-sorted. */
export function expectedSeries(e: Expect): LabelPairs[] {
  const seen = new Map<string, LabelPairs>();
  for (const s of DESIGN) {
    const rec = finalRecord(s);
    if (!e.pred((n) => rec[n] ?? "")) continue;
    if (e.keep && !e.keep(s)) continue;
    for (const d of e.drop ?? []) delete rec[d];
    const pairs = sortedPairs(rec);
    seen.set(JSON.stringify(pairs), pairs);
  }
  return [...seen.values()].sort(cmpPairs);
}

const DAY = 24 * H;

/** The converter's units: one per stream and UTC day (the default 24h partition), over the samples in it. */
function units(): { stream: StreamId; day: number; lo: number; hi: number; series: DesignSeries[] }[] {
  const byKey = new Map<string, { stream: StreamId; day: number; lo: number; hi: number; series: DesignSeries[] }>();
  for (const s of DESIGN) {
    for (const [t] of s.samples) {
      const day = Math.floor(t / DAY);
      const k = `${s.stream}/${day}`;
      let u = byKey.get(k);
      if (!u) byKey.set(k, (u = { stream: s.stream, day, lo: t, hi: t, series: [] }));
      u.lo = Math.min(u.lo, t);
      u.hi = Math.max(u.hi, t);
      if (!u.series.includes(s)) u.series.push(s);
    }
  }
  return [...byKey.values()];
}

/**
 * Series of the units whose data range overlaps [mint, maxt]: label calls are
 * answered at that granularity, as Thanos answers them per block.
 */
function seriesOfUnitsIn(mint: number, maxt: number): Set<DesignSeries> {
  const out = new Set<DesignSeries>();
  for (const u of units()) if (u.hi >= mint && u.lo <= maxt) for (const s of u.series) out.add(s);
  return out;
}

export function expectedLabelNames(e: { pred?: Pred; mint: number; maxt: number; drop?: string[] }): string[] {
  const names = new Set<string>();
  for (const s of seriesOfUnitsIn(e.mint, e.maxt)) {
    const rec = finalRecord(s);
    if (e.pred && !e.pred((n) => rec[n] ?? "")) continue;
    for (const n of Object.keys(rec)) names.add(n);
  }
  for (const d of e.drop ?? []) names.delete(d);
  return [...names].sort(cmpBytes);
}

export function expectedLabelValues(name: string, e: { pred?: Pred; mint: number; maxt: number; drop?: string[] }): string[] {
  if ((e.drop ?? []).includes(name)) return [];
  const values = new Set<string>();
  for (const s of seriesOfUnitsIn(e.mint, e.maxt)) {
    const rec = finalRecord(s);
    if (e.pred && !e.pred((n) => rec[n] ?? "")) continue;
    const v = rec[name];
    if (v !== undefined && v !== "") values.add(v);
  }
  return [...values].sort(cmpBytes);
}

const byFinal = new Map<string, Map<string, DesignSeries[]>>();

/** Designed series (possibly several: replicas) that `pred` selects and whose final labels minus `drop` equal `pairs`. */
export function designOf(pairs: LabelPairs, drop: string[] = [], pred?: Pred): DesignSeries[] {
  const dk = drop.join("\u0000");
  let index = byFinal.get(dk);
  if (!index) {
    index = new Map();
    for (const s of DESIGN) {
      const rec = finalRecord(s);
      for (const d of drop) delete rec[d];
      const k = JSON.stringify(sortedPairs(rec));
      const l = index.get(k);
      if (l) l.push(s);
      else index.set(k, [s]);
    }
    byFinal.set(dk, index);
  }
  const found = index.get(JSON.stringify(pairs)) ?? [];
  if (!pred) return found;
  return found.filter((s) => {
    const rec = finalRecord(s);
    return pred((n) => rec[n] ?? "");
  });
}

export const DATA_MIN = Math.min(...STREAM_IDS.map((id) => streamRange(id)[0]));
export const DATA_MAX = Math.max(...STREAM_IDS.map((id) => streamRange(id)[1]));

// ---------------------------------------------------------------------------
// OpenMetrics text for promtool backfill

function omEscape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** One stream's series as OpenMetrics text: families contiguous, samples ascending, whole-second timestamps. */
export function openMetrics(id: StreamId): string {
  const byName = new Map<string, DesignSeries[]>();
  for (const s of DESIGN) {
    if (s.stream !== id) continue;
    const name = s.written["__name__"]!;
    const l = byName.get(name);
    if (l) l.push(s);
    else byName.set(name, [s]);
  }
  let out = "";
  for (const [name, list] of byName) {
    out += `# TYPE ${name} gauge\n`;
    for (const s of list) {
      const ls = Object.entries(s.written)
        .filter(([k]) => k !== "__name__")
        .map(([k, v]) => `${k}="${omEscape(v)}"`)
        .join(",");
      for (const [t, v] of s.samples) {
        if (t % 1000 !== 0) throw new Error("OpenMetrics timestamps must be whole seconds here");
        out += `${name}{${ls}} ${v} ${t / 1000}\n`;
      }
    }
  }
  return out + "# EOF\n";
}
