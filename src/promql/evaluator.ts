// The evaluator: evaluates a plan over the steps [start, end] as Prometheus
// 2.42's evaluator does. Every expression yields a matrix with at most one
// point per step; instant queries are range evaluations with one step.
// Series data was loaded before evaluation starts, so this is synchronous.

import type { Labels } from "../model/labels.js";
import { aggregate, CountValuesGrouping, groupingKey } from "./aggregations.js";
import { scalarBinop, signatureFunc, vectorAnd, vectorBinop, vectorOr, vectorScalarBinop, vectorUnless, type ResultMetricCache } from "./binary.js";
import { canceled, execError, timedOut, tooManySamples } from "./errors.js";
import { instantFunctions, type NodeHelper } from "./functions.js";
import { evalRangeCall } from "./eval_range.js";
import { planType, setOffsetForAt, unwrapParen, unwrapStepInvariant, type PNode, type PSubquery, type PVectorSelector } from "./plan.js";
import { containsSameLabelset, dropMetricName, labelsKey, type EvalSeries, type Matrix, type StringValue, type Vector } from "./value.js";

/** State shared by all evaluators of one query. */
export interface QueryState {
  lookbackMs: number;
  maxSamples: number;
  /** Samples currently held, checked against maxSamples. */
  currentSamples: number;
  /** Date.now() after which the query times out. */
  deadline: number;
  signal: AbortSignal | undefined;
  noStepSubqueryIntervalMs: number;
}

const env = "query execution";

type StepFn = (args: (Vector | null)[], sigs: (string[] | null)[], enh: NodeHelper) => Vector;

export class Evaluator {
  constructor(
    readonly start: number,
    readonly end: number,
    readonly interval: number,
    readonly q: QueryState,
  ) {}

  get numSteps(): number {
    return Math.floor((this.end - this.start) / this.interval) + 1;
  }

  checkDone(): void {
    if (this.q.signal?.aborted) throw canceled("expression evaluation");
    if (Date.now() > this.q.deadline) throw timedOut("expression evaluation");
  }

  addSamples(n: number): void {
    this.q.currentSamples += n;
    if (this.q.currentSamples > this.q.maxSamples) throw tooManySamples(env);
  }

  eval(n: PNode): Matrix | StringValue {
    this.checkDone();
    switch (n.kind) {
      case "AggregateExpr":
        return this.evalAggregate(n);
      case "Call":
        return this.evalCall(n);
      case "ParenExpr":
        return this.eval(n.expr);
      case "UnaryExpr": {
        const mat = this.evalMatrix(n.expr);
        if (n.op === "+") return mat;
        const out = mat.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: s.v.map((x) => -x) }));
        if (containsSameLabelset(out.map((s) => s.metric))) throw execError("vector cannot contain metrics with the same labelset");
        return out;
      }
      case "BinaryExpr":
        return this.evalBinary(n);
      case "NumberLiteral":
        return this.rangeEval([], () => [{ metric: [], t: 0, v: n.value }]);
      case "StringLiteral":
        return { kind: "string", t: this.start, v: n.value };
      case "VectorSelector":
        return this.evalVectorSelector(n);
      case "MatrixSelector":
        if (this.start !== this.end) throw new Error("promql: cannot do range evaluation of matrix selector");
        return this.evalMatrixSelector(n.vs, n.rangeMs);
      case "SubqueryExpr":
        return this.evalSubquery(n);
      case "StepInvariantExpr":
        return this.evalStepInvariant(n.expr);
    }
  }

  evalMatrix(n: PNode): Matrix {
    const v = this.eval(n);
    if ("kind" in v) throw new Error("promql: expected a matrix, got a string");
    return v;
  }

  /**
   * Evaluates the expressions, then calls fn once per step with the
   * samples each produced at that step (string-typed expressions are
   * passed as null), and assembles the returned vectors into a matrix.
   */
  rangeEval(exprs: (PNode | null)[], fn: StepFn, signature?: (ls: Labels) => string): Matrix {
    // Inputs count against the sample limit while this node runs, then only its output does.
    const original = this.q.currentSamples;
    const matrices: (Matrix | null)[] = exprs.map((e) => (e && planType(e) !== "string" ? this.evalMatrix(e) : null));
    const sigs: (string[] | null)[] = matrices.map((m) => (m && signature ? m.map((s) => signature(s.metric)) : null));
    const cursors = matrices.map((m) => (m ? new Int32Array(m.length) : null));
    const enh: NodeHelper = { ts: this.start };
    const out = new Map<string, EvalSeries>();
    const base = this.q.currentSamples;
    let kept = 0;
    for (let ts = this.start; ts <= this.end; ts += this.interval) {
      this.checkDone();
      this.q.currentSamples = base + kept;
      const args: (Vector | null)[] = [];
      const stepSigs: (string[] | null)[] = [];
      for (let i = 0; i < matrices.length; i++) {
        const m = matrices[i];
        if (!m) {
          args.push(null);
          stepSigs.push(null);
          continue;
        }
        const cur = cursors[i]!;
        const vec: Vector = [];
        const vs: string[] = [];
        for (let si = 0; si < m.length; si++) {
          const s = m[si]!;
          const c = cur[si]!;
          if (c < s.t.length && s.t[c] === ts) {
            this.addSamples(1);
            vec.push({ metric: s.metric, t: ts, v: s.v[c]! });
            if (sigs[i]) vs.push(sigs[i]![si]!);
            cur[si] = c + 1;
          }
        }
        args.push(vec);
        stepSigs.push(sigs[i] ? vs : null);
      }
      enh.ts = ts;
      const result = fn(args, stepSigs, enh);
      if (result.length > 1 && containsSameLabelset(result.map((s) => s.metric))) throw execError("vector cannot contain metrics with the same labelset");
      this.addSamples(result.length);
      kept += result.length;
      if (this.start === this.end) {
        // Instant evaluation keeps the function's output order.
        this.q.currentSamples = original + result.length;
        return result.map((s) => ({ metric: s.metric, t: [ts], v: [s.v] }));
      }
      for (const s of result) {
        const key = labelsKey(s.metric);
        let series = out.get(key);
        if (!series) {
          series = { metric: s.metric, t: [], v: [] };
          out.set(key, series);
        }
        series.t.push(ts);
        series.v.push(s.v);
      }
    }
    this.q.currentSamples = original + kept;
    return [...out.values()];
  }

  private evalAggregate(n: Extract<PNode, { kind: "AggregateExpr" }>): Matrix {
    const keyOf = (ls: Labels): string => groupingKey(ls, n.grouping, n.without);
    const param = n.param ? unwrapParen(unwrapStepInvariant(unwrapParen(n.param))) : null;
    if (param?.kind === "StringLiteral") {
      const cvGrouping = new CountValuesGrouping(n.grouping);
      return this.rangeEval([n.expr], (v, keys) => aggregate(n.op, n.grouping, n.without, param.value, v[0]!, keys[0]!, cvGrouping), keyOf);
    }
    return this.rangeEval(
      [n.param, n.expr],
      (v, keys) => {
        const p = n.param ? v[0]![0]!.v : null;
        return aggregate(n.op, n.grouping, n.without, p, v[1]!, keys[1]!);
      },
      keyOf,
    );
  }

  private evalCall(n: Extract<PNode, { kind: "Call" }>): Matrix {
    const name = n.func.name;
    if (name === "timestamp") {
      // timestamp() of a selector reports sample times, not step times.
      const arg = unwrapParen(unwrapStepInvariant(n.args[0]!));
      if (arg.kind === "VectorSelector") {
        const fn = instantFunctions.get(name)!;
        return this.rangeEval([], (_v, _s, enh) => {
          // As 2.42 does, @ here ignores the selector's own offset.
          if (arg.timestamp !== null) arg.offsetMs = enh.ts - arg.timestamp;
          return fn([this.vectorSelectorAt(arg, enh.ts)], n.args, enh);
        });
      }
    }
    const matrixArg = n.args.findIndex((a) => {
      const u = unwrapParen(unwrapStepInvariant(a));
      return u.kind === "MatrixSelector" || u.kind === "SubqueryExpr";
    });
    if (matrixArg >= 0) return evalRangeCall(this, n, matrixArg);
    const fn = instantFunctions.get(name);
    if (!fn) throw new Error(`promql: function ${name} is not implemented`);
    return this.rangeEval(n.args, (v, _s, enh) => fn(v, n.args, enh));
  }

  private evalBinary(n: Extract<PNode, { kind: "BinaryExpr" }>): Matrix {
    const lt = planType(n.lhs);
    const rt = planType(n.rhs);
    if (lt === "scalar" && rt === "scalar") {
      return this.rangeEval([n.lhs, n.rhs], (v) => [{ metric: [], t: 0, v: scalarBinop(n.op, v[0]![0]!.v, v[1]![0]!.v) }]);
    }
    if (lt === "vector" && rt === "vector") {
      const m = n.matching!;
      const sig = signatureFunc(m.on, m.matchingLabels);
      switch (n.op) {
        case "and":
          return this.rangeEval([n.lhs, n.rhs], (v, s) => vectorAnd(v[0]!, v[1]!, s[0]!, s[1]!), sig);
        case "or":
          return this.rangeEval([n.lhs, n.rhs], (v, s) => vectorOr(v[0]!, v[1]!, s[0]!, s[1]!), sig);
        case "unless":
          return this.rangeEval([n.lhs, n.rhs], (v, s) => vectorUnless(v[0]!, v[1]!, s[0]!, s[1]!), sig);
        default: {
          const cache: ResultMetricCache = new Map();
          return this.rangeEval([n.lhs, n.rhs], (v, s) => vectorBinop(n.op, v[0]!, v[1]!, m, n.returnBool, s[0]!, s[1]!, cache), sig);
        }
      }
    }
    if (lt === "vector") return this.rangeEval([n.lhs, n.rhs], (v) => vectorScalarBinop(n.op, v[0]!, v[1]![0]!.v, false, n.returnBool));
    return this.rangeEval([n.lhs, n.rhs], (v) => vectorScalarBinop(n.op, v[1]!, v[0]![0]!.v, true, n.returnBool));
  }

  /** The sample a selector yields at ts: latest within the lookback window, unless stale. */
  vectorSelectorAt(vs: PVectorSelector, ts: number): Vector {
    const out: Vector = [];
    const refTime = ts - vs.offsetMs;
    for (const s of vs.series ?? []) {
      const i = s.lastAtOrBefore(refTime);
      if (i < 0) continue;
      const t = s.samples.t[i]!;
      if (t < refTime - this.q.lookbackMs || s.isStale(i)) continue;
      this.addSamples(1);
      out.push({ metric: s.labels, t, v: s.samples.v[i]! });
    }
    return out;
  }

  private evalVectorSelector(vs: PVectorSelector): Matrix {
    const out: Matrix = [];
    for (const s of vs.series ?? []) {
      this.checkDone();
      const series: EvalSeries = { metric: s.labels, t: [], v: [] };
      let hint = 0;
      for (let ts = this.start; ts <= this.end; ts += this.interval) {
        const refTime = ts - vs.offsetMs;
        const i = s.lastAtOrBefore(refTime, hint);
        if (i < 0) continue;
        hint = i;
        if (s.samples.t[i]! < refTime - this.q.lookbackMs || s.isStale(i)) continue;
        this.addSamples(1);
        series.t.push(ts);
        series.v.push(s.samples.v[i]!);
      }
      if (series.t.length > 0) out.push(series);
    }
    return out;
  }

  /** A range selector at an instant query: the raw samples in the window. */
  private evalMatrixSelector(vs: PVectorSelector, rangeMs: number): Matrix {
    const maxt = this.start - vs.offsetMs;
    const mint = maxt - rangeMs;
    const out: Matrix = [];
    for (const s of vs.series ?? []) {
      this.checkDone();
      const w = s.window();
      const series: EvalSeries = { metric: s.labels, t: [], v: [] };
      for (let i = 0; i < w.n; i++) {
        const t = w.t[i]!;
        if (t < mint || t > maxt) continue;
        this.addSamples(1);
        series.t.push(t);
        series.v.push(w.v[i]!);
      }
      if (series.t.length > 0) out.push(series);
    }
    return out;
  }

  evalSubquery(n: PSubquery): Matrix {
    const interval = n.stepMs !== 0 ? n.stepMs : this.q.noStepSubqueryIntervalMs;
    // The first step is the first multiple of the step at or after start-offset-range.
    const from = this.start - n.offsetMs - n.rangeMs;
    const rem = from % interval;
    const start = rem === 0 ? from : rem > 0 ? from - rem + interval : from - rem;
    const sub = new Evaluator(start, this.end - n.offsetMs, interval, this.q);
    if (start !== this.start) setOffsetForAt(start, n.expr);
    return sub.evalMatrix(n.expr);
  }

  private evalStepInvariant(inner: PNode): Matrix | StringValue {
    if (inner.kind === "StringLiteral" || inner.kind === "NumberLiteral") return this.eval(inner);
    const once = new Evaluator(this.start, this.start, this.interval, this.q);
    const res = once.eval(inner);
    if ("kind" in res) return res;
    if (inner.kind === "MatrixSelector" || inner.kind === "SubqueryExpr") return res;
    // The single evaluation holds for every step.
    for (const s of res) {
      const v = s.v[0]!;
      for (let ts = this.start + this.interval; ts <= this.end; ts += this.interval) {
        s.t.push(ts);
        s.v.push(v);
        this.addSamples(1);
      }
    }
    return res;
  }
}

