// Functions over instant vectors and scalars, evaluated once per step.
// Scalars arrive as one-sample vectors, as in Prometheus' FunctionCall.

import { RE2JS } from "re2js";
import type { Labels } from "../model/labels.js";
import { execError } from "./errors.js";
import { parseGoFloat } from "./gofloat.js";
import { goDaysInMonth, goFloatToInt64, goUnixDate, type GoDate } from "./gotime.js";
import type { PNode, PVectorSelector } from "./plan.js";
import { unwrapParen, unwrapStepInvariant } from "./plan.js";
import { bucketQuantile, type Bucket } from "./quantile.js";
import { expandTemplate } from "./regex_template.js";
import { deleteLabels, dropMetricName, labelsKey, METRIC_NAME, setLabel, type Sample, type Vector } from "./value.js";

/** Per-node state kept across the steps of one evaluation. */
export interface NodeHelper {
  ts: number;
  regex?: RE2JS;
  labelCache?: Map<string, Labels>;
}

export type InstantFunction = (vals: (Vector | null)[], args: readonly PNode[], enh: NodeHelper) => Vector;

const labelNameRE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function simple(f: (v: number) => number): InstantFunction {
  return (vals) => vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: f(s.v) }));
}

function scalarArg(vals: (Vector | null)[], i: number): number {
  return vals[i]![0]!.v;
}

function stringArg(args: readonly PNode[], i: number): string {
  const n = unwrapParen(unwrapStepInvariant(args[i]!));
  if (n.kind !== "StringLiteral") throw new Error("promql: expected a string literal argument");
  return n.value;
}

/** Date functions: of each sample value as Unix seconds, or of the step time. */
function dateFn(f: (d: GoDate) => number): InstantFunction {
  return (vals, _args, enh) => {
    if (vals.length === 0) return [{ metric: [], t: 0, v: f(goUnixDate(BigInt(Math.trunc(enh.ts / 1000)))) }];
    return vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: f(goUnixDate(goFloatToInt64(s.v))) }));
  };
}

/** labels for absent()/absent_over_time(): the equality matchers of the selector, if unambiguous. */
export function absentLabels(arg: PNode): Labels {
  let vs: PVectorSelector;
  if (arg.kind === "VectorSelector") vs = arg;
  else if (arg.kind === "MatrixSelector") vs = arg.vs;
  else return [];
  let out: Labels = [];
  const seen = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    // A label matched twice (e.g. job="a", job="b") is left out.
    if (m.type === 0 && !seen.has(m.name)) {
      out = setLabel(out, m.name, m.value);
      seen.add(m.name);
    } else {
      out = deleteLabels(out, [m.name]);
    }
  }
  return out;
}

function sortBy(less: (a: Sample, b: Sample) => boolean): InstantFunction {
  return (vals) => [...vals[0]!].sort((a, b) => (less(a, b) && !less(b, a) ? -1 : less(b, a) && !less(a, b) ? 1 : 0));
}

function labelReplace(vals: (Vector | null)[], args: readonly PNode[], enh: NodeHelper): Vector {
  const dst = stringArg(args, 1);
  const repl = stringArg(args, 2);
  const src = stringArg(args, 3);
  const regexStr = stringArg(args, 4);
  if (!enh.regex) {
    try {
      enh.regex = RE2JS.compile("^(?:" + regexStr + ")$");
    } catch {
      throw execError(`invalid regular expression in label_replace(): ${regexStr}`);
    }
    if (!labelNameRE.test(dst)) throw execError(`invalid destination label name in label_replace(): ${dst}`);
    enh.labelCache = new Map();
  }
  const re = enh.regex;
  const cache = enh.labelCache!;
  return vals[0]!.map((s) => {
    const key = labelsKey(s.metric);
    let metric = cache.get(key);
    if (!metric) {
      const srcVal = s.metric.find((l) => l.name === src)?.value ?? "";
      const m = re.matcher(srcVal);
      if (!m.find()) {
        metric = s.metric;
      } else {
        const groups: (string | null)[] = [];
        for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g));
        const res = expandTemplate(repl, groups, re.namedGroups());
        metric = setLabel(deleteLabels(s.metric, [dst]), dst, res);
      }
      cache.set(key, metric);
    }
    return { metric, t: s.t, v: s.v };
  });
}

function labelJoin(vals: (Vector | null)[], args: readonly PNode[], enh: NodeHelper): Vector {
  const dst = stringArg(args, 1);
  const sep = stringArg(args, 2);
  const srcLabels: string[] = [];
  for (let i = 3; i < args.length; i++) {
    const src = stringArg(args, i);
    if (!labelNameRE.test(src)) throw execError(`invalid source label name in label_join(): ${src}`);
    srcLabels.push(src);
  }
  if (!labelNameRE.test(dst)) throw execError(`invalid destination label name in label_join(): ${dst}`);
  enh.labelCache ??= new Map();
  const cache = enh.labelCache;
  return vals[0]!.map((s) => {
    const key = labelsKey(s.metric);
    let metric = cache.get(key);
    if (!metric) {
      const joined = srcLabels.map((n) => s.metric.find((l) => l.name === n)?.value ?? "").join(sep);
      metric = setLabel(s.metric, dst, joined);
      cache.set(key, metric);
    }
    return { metric, t: s.t, v: s.v };
  });
}

/** histogram_quantile over classic buckets: series grouped by all labels but le. */
function histogramQuantile(vals: (Vector | null)[]): Vector {
  const q = scalarArg(vals, 0);
  const groups = new Map<string, { metric: Labels; buckets: Bucket[] }>();
  for (const s of vals[1]!) {
    const le = s.metric.find((l) => l.name === "le");
    const upperBound = le ? parseGoFloat(le.value) : undefined;
    // No or malformed le label: the sample is skipped.
    if (upperBound === undefined) continue;
    const withoutLe = deleteLabels(s.metric, ["le"]);
    const key = labelsKey(withoutLe);
    let g = groups.get(key);
    if (!g) {
      g = { metric: dropMetricName(withoutLe), buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ upperBound, count: s.v });
  }
  const out: Vector = [];
  for (const g of groups.values()) out.push({ metric: g.metric, t: 0, v: bucketQuantile(q, g.buckets) });
  return out;
}

function clampFn(vals: (Vector | null)[], min: number, max: number): Vector {
  return vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: Math.max(min, Math.min(max, s.v)) }));
}

export const instantFunctions: ReadonlyMap<string, InstantFunction> = new Map<string, InstantFunction>([
  ["abs", simple(Math.abs)],
  ["ceil", simple(Math.ceil)],
  ["floor", simple(Math.floor)],
  ["exp", simple(Math.exp)],
  ["sqrt", simple(Math.sqrt)],
  ["ln", simple(Math.log)],
  ["log2", simple(Math.log2)],
  ["log10", simple(Math.log10)],
  ["sin", simple(Math.sin)],
  ["cos", simple(Math.cos)],
  ["tan", simple(Math.tan)],
  ["asin", simple(Math.asin)],
  ["acos", simple(Math.acos)],
  ["atan", simple(Math.atan)],
  ["sinh", simple(Math.sinh)],
  ["cosh", simple(Math.cosh)],
  ["tanh", simple(Math.tanh)],
  ["asinh", simple(Math.asinh)],
  ["acosh", simple(Math.acosh)],
  ["atanh", simple(Math.atanh)],
  ["rad", simple((v) => (v * Math.PI) / 180)],
  ["deg", simple((v) => (v * 180) / Math.PI)],
  ["sgn", simple((v) => (v < 0 ? -1 : v > 0 ? 1 : v))],
  ["pi", () => [{ metric: [], t: 0, v: Math.PI }]],
  ["time", (_v, _a, enh) => [{ metric: [], t: 0, v: enh.ts / 1000 }]],
  ["vector", (vals) => [{ metric: [], t: 0, v: scalarArg(vals, 0) }]],
  [
    "scalar",
    (vals) => {
      const v = vals[0]!;
      return [{ metric: [], t: 0, v: v.length === 1 ? v[0]!.v : NaN }];
    },
  ],
  ["timestamp", (vals) => vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: s.t / 1000 }))],
  [
    "round",
    (vals) => {
      const toNearest = vals.length >= 2 && vals[1] ? scalarArg(vals, 1) : 1;
      // Dividing by the inverse causes fewer precision issues.
      const inv = 1 / toNearest;
      return vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: Math.floor(s.v * inv + 0.5) / inv }));
    },
  ],
  [
    "clamp",
    (vals) => {
      const min = scalarArg(vals, 1);
      const max = scalarArg(vals, 2);
      if (max < min) return [];
      return clampFn(vals, min, max);
    },
  ],
  ["clamp_max", (vals) => clampFn(vals, -Infinity, scalarArg(vals, 1))],
  ["clamp_min", (vals) => clampFn(vals, scalarArg(vals, 1), Infinity)],
  // NaN sorts last in both directions.
  ["sort", sortBy((a, b) => Number.isNaN(b.v) || a.v < b.v)],
  ["sort_desc", sortBy((a, b) => Number.isNaN(b.v) || a.v > b.v)],
  ["absent", (vals, args) => (vals[0]!.length > 0 ? [] : [{ metric: absentLabels(args[0]!), t: 0, v: 1 }])],
  ["label_replace", labelReplace],
  ["label_join", labelJoin],
  ["histogram_quantile", histogramQuantile],
  // Native histograms are not supported: these functions see only floats.
  ["histogram_count", () => []],
  ["histogram_sum", () => []],
  ["histogram_fraction", () => []],
  ["days_in_month", dateFn((d) => goDaysInMonth(d.year, d.month))],
  ["day_of_month", dateFn((d) => d.day)],
  ["day_of_week", dateFn((d) => d.weekday)],
  ["day_of_year", dateFn((d) => d.yearDay)],
  ["hour", dateFn((d) => d.hour)],
  ["minute", dateFn((d) => d.minute)],
  ["month", dateFn((d) => d.month)],
  ["year", dateFn((d) => d.year)],
]);
