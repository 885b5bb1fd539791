// Calls of functions taking a range vector (a range selector or a
// subquery): for each series and step, the samples in the window
// [t - offset - range, t - offset] (both ends inclusive in 2.42) are handed
// to the function, one series at a time.

import { execError } from "./errors.js";
import type { Evaluator } from "./evaluator.js";
import { absentLabels } from "./functions.js";
import { unwrapParen, unwrapStepInvariant, type PNode } from "./plan.js";
import { rangeFunctions, type RangeCallContext } from "./range_functions.js";
import { WindowCursor, type WindowSamples } from "./series_data.js";
import { containsSameLabelset, dropMetricName, type EvalSeries, type Matrix } from "./value.js";
import type { Labels } from "../model/labels.js";

interface RangeSource {
  series: { metric: Labels; w: WindowSamples }[];
  rangeMs: number;
  offsetMs: number;
}

function rangeSource(ev: Evaluator, arg: PNode): RangeSource {
  if (arg.kind === "MatrixSelector") {
    return { series: (arg.vs.series ?? []).map((s) => ({ metric: s.labels, w: s.window() })), rangeMs: arg.rangeMs, offsetMs: arg.vs.offsetMs };
  }
  if (arg.kind !== "SubqueryExpr") throw new Error("promql: expected a range vector argument");
  const mat = ev.evalSubquery(arg);
  // A subquery with @ keeps its original offset; the window moves to its timestamp.
  const offsetMs = arg.timestamp !== null ? arg.originalOffsetMs + (ev.start - arg.timestamp) : arg.offsetMs;
  return { series: mat.map((s) => ({ metric: s.metric, w: { t: s.t, v: s.v, n: s.t.length } })), rangeMs: arg.rangeMs, offsetMs };
}

export function evalRangeCall(ev: Evaluator, n: Extract<PNode, { kind: "Call" }>, matrixArg: number): Matrix {
  const name = n.func.name;
  const fn = rangeFunctions.get(name);
  if (!fn) throw new Error(`promql: function ${name} is not implemented`);
  const arg = unwrapParen(unwrapStepInvariant(n.args[matrixArg]!));
  const src = rangeSource(ev, arg);
  let subquerySamples = 0;
  if (arg.kind === "SubqueryExpr") for (const s of src.series) subquerySamples += s.w.n;

  // Other arguments are scalars with one value per step.
  const scalarArgs: (number[] | null)[] = n.args.map((a, i) => {
    if (i === matrixArg) return null;
    const m = ev.evalMatrix(a);
    return m[0]?.v ?? [];
  });

  const out: Matrix = [];
  const ctx: RangeCallContext = { ts: 0, rangeMs: src.rangeMs, offsetMs: src.offsetMs, scalars: [] };
  for (const s of src.series) {
    ev.checkDone();
    const metric = name === "last_over_time" ? s.metric : dropMetricName(s.metric);
    const series: EvalSeries = { metric, t: [], v: [] };
    const cursor = new WindowCursor(s.w);
    let step = -1;
    let held = 0;
    for (let ts = ev.start; ts <= ev.end; ts += ev.interval) {
      step++;
      const maxt = ts - src.offsetMs;
      cursor.advance(maxt - src.rangeMs, maxt);
      if (cursor.size === 0) continue;
      ev.addSamples(cursor.size - held);
      held = cursor.size;
      ctx.ts = ts;
      ctx.scalars = scalarArgs.map((a) => (a ? a[step]! : NaN));
      const v = fn(s.w, cursor.lo, cursor.hi, ctx);
      if (v !== undefined) {
        series.t.push(ts);
        series.v.push(v);
      }
    }
    ev.addSamples(-held);
    if (series.t.length > 0) {
      ev.addSamples(series.t.length);
      out.push(series);
    }
  }
  ev.addSamples(-subquerySamples);

  if (name === "absent_over_time") return absentOverTime(ev, out, n.args[0]!);
  if (containsSameLabelset(out.map((s) => s.metric))) throw execError("vector cannot contain metrics with the same labelset");
  return out;
}

/** One series with 1 at the steps where no input series had a sample. */
function absentOverTime(ev: Evaluator, mat: Matrix, arg: PNode): Matrix {
  const steps = ev.numSteps;
  if (mat.some((s) => s.t.length === steps)) return [];
  const found = new Set<number>();
  for (const s of mat) for (const t of s.t) found.add(t);
  if (mat.length > 1 && found.size === steps) return [];
  const series: EvalSeries = { metric: absentLabels(unwrapParen(arg)), t: [], v: [] };
  for (let ts = ev.start; ts <= ev.end; ts += ev.interval) {
    if (!found.has(ts)) {
      series.t.push(ts);
      series.v.push(1);
    }
  }
  // With every step found, 2.42 still returns the (empty) series; drop it.
  return series.t.length > 0 ? [series] : [];
}
