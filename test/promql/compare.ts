// Normalizes query results of Prometheus (HTTP API JSON) and of our engine
// into one shape and compares them: same series, same timestamps, values
// within a relative tolerance (NaN equals NaN).

import { formatLabels, labelsFromRecord, type Labels } from "../../src/model/labels.js";
import type { QueryValue } from "../../src/promql/engine.js";
import type { EvalSeries } from "../../src/promql/value.js";

export interface NormSeries {
  key: string;
  t: number[];
  v: number[];
}

export interface Comparison {
  ok: boolean;
  series: number;
  points: number;
  diffs: string[];
}

/** Prometheus prints values with Go's 'f' -1 format; Inf/NaN as text. */
export function parsePromValue(s: string): number {
  if (s === "NaN") return NaN;
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s);
}

/** Labels as Prometheus records them, including empty maps for scalars. */
function keyOf(ls: Labels): string {
  return formatLabels(ls);
}

export function normalizeProm(result: unknown): NormSeries[] {
  const rows = result as { metric: Record<string, string>; values: [number, string][] }[];
  return rows.map((r) => ({
    key: keyOf(labelsFromRecord(r.metric)),
    t: r.values.map(([t]) => Math.round(t * 1000)),
    v: r.values.map(([, v]) => parsePromValue(v)),
  }));
}

export function normalizeOurs(m: EvalSeries[]): NormSeries[] {
  return m.map((s) => ({ key: keyOf(s.metric), t: [...s.t], v: [...s.v] }));
}

export function valuesClose(a: number, b: number, rel: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}

export function compareMatrices(want: NormSeries[], got: NormSeries[], rel = 1e-5): Comparison {
  const diffs: string[] = [];
  const byKey = new Map<string, NormSeries>();
  for (const s of got) {
    if (byKey.has(s.key)) diffs.push(`duplicate series in ours: ${s.key}`);
    byKey.set(s.key, s);
  }
  let points = 0;
  for (const w of want) {
    const g = byKey.get(w.key);
    if (!g) {
      diffs.push(`missing series ${w.key} (${w.t.length} points)`);
      continue;
    }
    byKey.delete(w.key);
    const n = Math.max(w.t.length, g.t.length);
    let shown = 0;
    for (let i = 0, j = 0; i < w.t.length || j < g.t.length; ) {
      const tw = w.t[i] ?? Infinity;
      const tg = g.t[j] ?? Infinity;
      if (tw === tg) {
        points++;
        if (!valuesClose(w.v[i]!, g.v[j]!, rel) && shown++ < 3) diffs.push(`${w.key} @${tw}: want ${w.v[i]} got ${g.v[j]}`);
        i++;
        j++;
      } else if (tw < tg) {
        if (shown++ < 3) diffs.push(`${w.key}: missing point @${tw} (want ${w.v[i]})`);
        i++;
      } else {
        if (shown++ < 3) diffs.push(`${w.key}: extra point @${tg} (got ${g.v[j]})`);
        j++;
      }
    }
    if (shown > 3) diffs.push(`${w.key}: ${shown - 3} more differences of ${n} points`);
  }
  for (const g of byKey.values()) diffs.push(`extra series ${g.key} (${g.t.length} points)`);
  return { ok: diffs.length === 0, series: want.length, points, diffs };
}

interface PromInstantData {
  resultType: string;
  result: unknown;
}

/** Compares an instant query result; `ordered` also requires the same vector order. */
export function compareInstant(want: PromInstantData, got: QueryValue, ordered: boolean, rel = 1e-5): Comparison {
  if (want.resultType !== got.resultType) return { ok: false, series: 0, points: 0, diffs: [`result type: want ${want.resultType}, got ${got.resultType}`] };
  switch (got.resultType) {
    case "matrix":
      return compareMatrices(normalizeProm(want.result), normalizeOurs(got.result), rel);
    case "vector": {
      const rows = want.result as { metric: Record<string, string>; value: [number, string] }[];
      const w: NormSeries[] = rows.map((r) => ({ key: keyOf(labelsFromRecord(r.metric)), t: [Math.round(r.value[0] * 1000)], v: [parsePromValue(r.value[1])] }));
      const g: NormSeries[] = got.result.map((s) => ({ key: keyOf(s.metric), t: [s.t], v: [s.v] }));
      const cmp = compareMatrices(w, g, rel);
      if (ordered && cmp.ok && w.map((x) => x.key).join("|") !== g.map((x) => x.key).join("|")) {
        return { ...cmp, ok: false, diffs: [`order: want ${w.map((x) => x.key).join(" ")}, got ${g.map((x) => x.key).join(" ")}`] };
      }
      return cmp;
    }
    case "scalar": {
      const [t, v] = want.result as [number, string];
      const ok = Math.round(t * 1000) === got.result.t && valuesClose(parsePromValue(v), got.result.v, rel);
      return { ok, series: 1, points: 1, diffs: ok ? [] : [`scalar: want ${t} ${v}, got ${got.result.t} ${got.result.v}`] };
    }
    case "string": {
      const [t, v] = want.result as [number, string];
      const ok = Math.round(t * 1000) === got.result.t && v === got.result.v;
      return { ok, series: 1, points: 1, diffs: ok ? [] : [`string: want ${t} ${v}, got ${got.result.t} ${got.result.v}`] };
    }
  }
}
