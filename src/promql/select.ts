// Loads the series of every selector before evaluation (Prometheus'
// populateSeries): each selector gets the time range it can possibly read,
// widened by lookback, ranges, offsets and enclosing subqueries, and hints
// describing how its data will be used.

import { compareLabels } from "../model/labels.js";
import { PromQLError } from "./errors.js";
import { inspect, subqueryTimes, type PNode, type PVectorSelector } from "./plan.js";
import { RawSeries } from "./series_data.js";
import type { Queryable, SelectHints } from "./storage.js";

export interface SelectParams {
  startMs: number;
  endMs: number;
  /** Query step; 0 for instant queries. */
  intervalMs: number;
  lookbackMs: number;
  noStepSubqueryIntervalMs: number;
}

interface PendingSelect {
  vs: PVectorSelector;
  mint: number;
  maxt: number;
  hints: SelectHints;
}

/** getTimeRangesForSelector. */
function timeRange(p: SelectParams, vs: PVectorSelector, path: readonly PNode[], evalRangeMs: number): [number, number] {
  let start = p.startMs;
  let end = p.endMs;
  const sq = subqueryTimes(path);
  if (sq.ts !== null) {
    start = sq.ts;
    end = sq.ts;
  }
  if (vs.timestamp !== null) {
    start = vs.timestamp;
    end = vs.timestamp;
  } else {
    start -= sq.offsetMs + sq.rangeMs;
    end -= sq.offsetMs;
  }
  start -= evalRangeMs === 0 ? p.lookbackMs : evalRangeMs;
  start -= vs.originalOffsetMs;
  end -= vs.originalOffsetMs;
  return [start, end];
}

/** The innermost function or aggregation above a selector, unless a binary operator comes first. */
function funcFromPath(path: readonly PNode[]): string {
  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i]!;
    if (n.kind === "AggregateExpr") return n.op;
    if (n.kind === "Call") return n.func.name;
    if (n.kind === "BinaryExpr") return "";
  }
  return "";
}

function stepFromPath(p: SelectParams, path: readonly PNode[]): number {
  let step = 0;
  for (const n of path) if (n.kind === "SubqueryExpr") step = n.stepMs !== 0 ? n.stepMs : p.noStepSubqueryIntervalMs;
  return step === 0 ? p.intervalMs : step;
}

export const histogramWarning = "native histogram samples are not supported by this engine and were ignored";

export async function loadSeries(root: PNode, q: Queryable, p: SelectParams, signal: AbortSignal | undefined, warnings: string[]): Promise<void> {
  const pending: PendingSelect[] = [];
  const first = warnings.length;
  let evalRange = 0;
  inspect(root, (n, path) => {
    if (n.kind === "MatrixSelector") {
      evalRange = n.rangeMs;
      return;
    }
    if (n.kind !== "VectorSelector") return;
    const [mint, maxt] = timeRange(p, n, path, evalRange);
    const parent = path[path.length - 1];
    const hints: SelectHints = { func: funcFromPath(path), rangeMs: evalRange, stepMs: stepFromPath(p, path) };
    if (parent?.kind === "AggregateExpr") {
      hints.by = !parent.without;
      hints.grouping = parent.grouping;
    }
    evalRange = 0;
    pending.push({ vs: n, mint, maxt, hints });
  });
  await Promise.all(
    pending.map(async (s) => {
      let res;
      try {
        res = await q.select(s.mint, s.maxt, s.vs.matchers, s.hints, signal);
      } catch (e) {
        if (e instanceof PromQLError) throw e;
        throw new PromQLError("internal", `expanding series: ${(e as Error).message}`, { cause: e });
      }
      warnings.push(...res.warnings);
      if (res.series.some((x) => x.histograms?.length)) warnings.push(histogramWarning);
      const series = res.series.filter((x) => x.floats.n > 0).map((x) => new RawSeries(x.labels, x.floats));
      // Evaluation order follows storage order, which must be label order.
      for (let i = 1; i < series.length; i++) {
        if (compareLabels(series[i - 1]!.labels, series[i]!.labels) > 0) {
          series.sort((a, b) => compareLabels(a.labels, b.labels));
          break;
        }
      }
      s.vs.series = series;
    }),
  );
  // One warning per kind is enough.
  const unique = [...new Set(warnings.slice(first))];
  warnings.splice(first, warnings.length - first, ...unique);
}
