// The PromQL engine: instant and range queries with Prometheus 2.42
// semantics over any Queryable.

import type { Labels } from "../model/labels.js";
import { exprType, documentedType, type Expr } from "./ast.js";
import { canceled, PromQLError, timedOut } from "./errors.js";
import { Evaluator, type QueryState } from "./evaluator.js";
import { parseExpr } from "./parser.js";
import { preprocess, setOffsetForAt, toPlan } from "./plan.js";
import { loadSeries } from "./select.js";
import type { Queryable } from "./storage.js";
import { sortMatrix, type EvalSeries } from "./value.js";

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (default 5m). */
  lookbackDeltaMs?: number;
  /** Samples a query may hold in memory at once (default 50,000,000). */
  maxSamples?: number;
  /** Query timeout (default 2m). */
  timeoutMs?: number;
  /** Step of subqueries written without one, e.g. x[1h:] (default 1m, Prometheus' evaluation_interval). */
  noStepSubqueryIntervalMs?: number;
}

export interface QueryOptions {
  signal?: AbortSignal;
  /** Overrides the engine's lookback delta for this query. */
  lookbackDeltaMs?: number;
}

export interface InstantSample {
  metric: Labels;
  /** Milliseconds. */
  t: number;
  v: number;
}

export type QueryValue =
  | { resultType: "matrix"; result: EvalSeries[] }
  | { resultType: "vector"; result: InstantSample[] }
  | { resultType: "scalar"; result: { t: number; v: number } }
  | { resultType: "string"; result: { t: number; v: string } };

export interface QueryResult {
  value: QueryValue;
  warnings: string[];
}

export class Engine {
  private readonly lookbackMs: number;
  private readonly maxSamples: number;
  private readonly timeoutMs: number;
  private readonly noStepSubqueryIntervalMs: number;

  constructor(opts: EngineOptions = {}) {
    this.lookbackMs = opts.lookbackDeltaMs ?? 300_000;
    this.maxSamples = opts.maxSamples ?? 50_000_000;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.noStepSubqueryIntervalMs = opts.noStepSubqueryIntervalMs ?? 60_000;
  }

  /** Evaluates at one instant (ms). A string query is parsed first (errors are bad_data). */
  async instantQuery(q: Queryable, query: string | Expr, timeMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
    const expr = typeof query === "string" ? parseExpr(query) : query;
    const { matrix, str, warnings } = await this.exec(q, expr, timeMs, timeMs, 0, opts);
    if (str) return { value: { resultType: "string", result: str }, warnings };
    switch (exprType(expr)) {
      case "vector":
        // The step time, not the sample time, is the instant's timestamp.
        return { value: { resultType: "vector", result: matrix.map((s) => ({ metric: s.metric, t: timeMs, v: s.v[0]! })) }, warnings };
      case "scalar":
        return { value: { resultType: "scalar", result: { t: timeMs, v: matrix[0]?.v[0] ?? NaN } }, warnings };
      default:
        return { value: { resultType: "matrix", result: matrix }, warnings };
    }
  }

  /** Evaluates at start, start+step, ... <= end (ms); the expression must be a scalar or instant vector. */
  async rangeQuery(q: Queryable, query: string | Expr, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
    const expr = typeof query === "string" ? parseExpr(query) : query;
    const t = exprType(expr);
    if (t !== "vector" && t !== "scalar") {
      throw new PromQLError("bad_data", `invalid expression type ${JSON.stringify(documentedType(t))} for range query, must be Scalar or instant Vector`);
    }
    if (!(stepMs > 0)) throw new PromQLError("bad_data", "zero or negative query resolution step widths are not accepted. Try a positive integer");
    if (endMs < startMs) throw new PromQLError("bad_data", "end timestamp must not be before start time");
    const { matrix, warnings } = await this.exec(q, expr, startMs, endMs, stepMs, opts);
    return { value: { resultType: "matrix", result: sortMatrix(matrix) }, warnings };
  }

  private async exec(
    q: Queryable,
    expr: Expr,
    start: number,
    end: number,
    interval: number,
    opts: QueryOptions,
  ): Promise<{ matrix: EvalSeries[]; str?: { t: number; v: string }; warnings: string[] }> {
    const deadline = Date.now() + this.timeoutMs;
    const signals = [AbortSignal.timeout(Math.max(0, this.timeoutMs))];
    if (opts.signal) signals.push(opts.signal);
    const signal = AbortSignal.any(signals);
    if (opts.signal?.aborted) throw canceled("query queue");
    const lookbackMs = opts.lookbackDeltaMs && opts.lookbackDeltaMs > 0 ? opts.lookbackDeltaMs : this.lookbackMs;
    const root = preprocess(toPlan(expr), start, end);
    const warnings: string[] = [];
    try {
      await loadSeries(root, q, { startMs: start, endMs: end, intervalMs: interval, lookbackMs, noStepSubqueryIntervalMs: this.noStepSubqueryIntervalMs }, signal, warnings);
    } catch (e) {
      if (opts.signal?.aborted) throw canceled("query preparation");
      if (signal.aborted) throw timedOut("query preparation");
      throw e;
    }
    setOffsetForAt(start, root);
    const state: QueryState = {
      lookbackMs,
      maxSamples: this.maxSamples,
      currentSamples: 0,
      deadline,
      signal: opts.signal,
      noStepSubqueryIntervalMs: this.noStepSubqueryIntervalMs,
    };
    // Instant queries are range evaluations with a single 1ms step.
    const ev = new Evaluator(start, end, interval === 0 ? 1 : interval, state);
    const val = ev.eval(root);
    if ("kind" in val) return { matrix: [], str: { t: val.t, v: val.v }, warnings };
    return { matrix: val, warnings };
  }
}
