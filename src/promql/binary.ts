// Binary operators: arithmetic, comparisons (with and without bool) and set
// operators, with vector matching (on/ignoring, group_left/group_right) as
// in Prometheus 2.42.

import { formatLabels, type Labels } from "../model/labels.js";
import { isComparison, type BinaryOp, type VectorMatching } from "./ast.js";
import { execError } from "./errors.js";
import { goPow } from "./gofloat.js";
import { deleteLabels, dropMetricName, keepLabels, labelsKey, METRIC_NAME, setLabel, type Vector } from "./value.js";

/** The join key of a series: on() keeps only the listed labels, ignoring() drops them and __name__. */
export function signatureFunc(on: boolean, names: readonly string[]): (ls: Labels) => string {
  if (on) {
    return (ls) => {
      let k = "";
      for (const l of ls) if (names.includes(l.name)) k += l.name + "\u0000" + l.value + "\u0001";
      return k;
    };
  }
  return (ls) => {
    let k = "";
    for (const l of ls) if (l.name !== METRIC_NAME && !names.includes(l.name)) k += l.name + "\u0000" + l.value + "\u0001";
    return k;
  };
}

export function shouldDropMetricName(op: BinaryOp): boolean {
  return op === "+" || op === "-" || op === "*" || op === "/" || op === "^" || op === "%";
}

function btos(b: boolean): number {
  return b ? 1 : 0;
}

/** scalarBinop: both operands scalars; comparisons yield 0/1. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case "+":
      return l + r;
    case "-":
      return l - r;
    case "*":
      return l * r;
    case "/":
      return l / r;
    case "^":
      return goPow(l, r);
    case "%":
      return l % r;
    case "==":
      return btos(l === r);
    case "!=":
      return btos(l !== r);
    case ">":
      return btos(l > r);
    case "<":
      return btos(l < r);
    case ">=":
      return btos(l >= r);
    case "<=":
      return btos(l <= r);
    case "atan2":
      return Math.atan2(l, r);
    default:
      throw execError(`operator ${JSON.stringify(op)} not allowed for Scalar operations`);
  }
}

/** vectorElemBinop: the value and, for comparisons, whether the element is kept. */
export function elemBinop(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case "==":
      return [l, l === r];
    case "!=":
      return [l, l !== r];
    case ">":
      return [l, l > r];
    case "<":
      return [l, l < r];
    case ">=":
      return [l, l >= r];
    case "<=":
      return [l, l <= r];
    default:
      return [scalarBinop(op, l, r), true];
  }
}

export function vectorAnd(lhs: Vector, rhs: Vector, lsig: readonly string[], rsig: readonly string[]): Vector {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const right = new Set(rsig);
  return lhs.filter((_, i) => right.has(lsig[i]!));
}

export function vectorOr(lhs: Vector, rhs: Vector, lsig: readonly string[], rsig: readonly string[]): Vector {
  if (lhs.length === 0) return [...rhs];
  if (rhs.length === 0) return [...lhs];
  const left = new Set(lsig);
  const out = [...lhs];
  for (let j = 0; j < rhs.length; j++) if (!left.has(rsig[j]!)) out.push(rhs[j]!);
  return out;
}

export function vectorUnless(lhs: Vector, rhs: Vector, lsig: readonly string[], rsig: readonly string[]): Vector {
  if (lhs.length === 0 || rhs.length === 0) return [...lhs];
  const right = new Set(rsig);
  return lhs.filter((_, i) => !right.has(lsig[i]!));
}

/** Per-node cache of result label sets, keyed by the input pair. */
export type ResultMetricCache = Map<string, Labels>;

function resultMetric(lhs: Labels, rhs: Labels, op: BinaryOp, m: VectorMatching, cache: ResultMetricCache): Labels {
  const key = labelsKey(lhs) + "\u0002" + labelsKey(rhs);
  const hit = cache.get(key);
  if (hit) return hit;
  let out = lhs;
  if (shouldDropMetricName(op)) out = dropMetricName(out);
  if (m.card === "one-to-one") out = m.on ? keepLabels(out, m.matchingLabels) : deleteLabels(out, m.matchingLabels);
  for (const name of m.include) {
    // group_x labels come from the "one" side.
    const v = rhs.find((l) => l.name === name)?.value ?? "";
    out = setLabel(out, name, v);
  }
  cache.set(key, out);
  return out;
}

/** VectorBinop: arithmetic and comparisons between two instant vectors. */
export function vectorBinop(
  op: BinaryOp,
  lhsIn: Vector,
  rhsIn: Vector,
  m: VectorMatching,
  returnBool: boolean,
  lsigIn: readonly string[],
  rsigIn: readonly string[],
  cache: ResultMetricCache,
): Vector {
  if (m.card === "many-to-many") throw new Error("promql: many-to-many only allowed for set operators");
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  // One-to-many is many-to-one with the sides swapped.
  const swap = m.card === "one-to-many";
  const [lhs, rhs] = swap ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const [lsig, rsig] = swap ? [rsigIn, lsigIn] : [lsigIn, rsigIn];

  const right = new Map<string, number>();
  for (let i = 0; i < rhs.length; i++) {
    const sig = rsig[i]!;
    const dup = right.get(sig);
    if (dup !== undefined) {
      const rs = rhs[i]!.metric;
      const matched = m.on ? keepLabels(rs, m.matchingLabels) : deleteLabels(rs, [...m.matchingLabels, METRIC_NAME]);
      throw execError(
        `found duplicate series for the match group ${formatLabels(matched)} on the ${swap ? "left" : "right"} hand-side of the operation: ` +
          `[${formatLabels(rs)}, ${formatLabels(rhs[dup]!.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(sig, i);
  }

  const matched = new Map<string, Set<string> | null>();
  const out: Vector = [];
  for (let i = 0; i < lhs.length; i++) {
    const sig = lsig[i]!;
    const ri = right.get(sig);
    if (ri === undefined) continue;
    const ls = lhs[i]!;
    const rs = rhs[ri]!;
    const [vl, vr] = swap ? [rs.v, ls.v] : [ls.v, rs.v];
    let [value, keep] = elemBinop(op, vl, vr);
    if (returnBool) value = keep ? 1 : 0;
    else if (!keep) continue;
    let metric = resultMetric(ls.metric, rs.metric, op, m, cache);
    if (returnBool) metric = dropMetricName(metric);
    const inserted = matched.get(sig);
    if (m.card === "one-to-one") {
      if (inserted !== undefined) throw execError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      matched.set(sig, null);
    } else {
      // The grouping labels must make each result unique per match group.
      const key = labelsKey(metric);
      if (!inserted) matched.set(sig, new Set([key]));
      else if (inserted.has(key)) throw execError("multiple matches for labels: grouping labels must ensure unique matches");
      else inserted.add(key);
    }
    out.push({ metric, t: 0, v: value });
  }
  return out;
}

/** VectorscalarBinop; swap means the scalar was the left operand. */
export function vectorScalarBinop(op: BinaryOp, vec: Vector, scalar: number, swap: boolean, returnBool: boolean): Vector {
  const out: Vector = [];
  const dropName = shouldDropMetricName(op) || returnBool;
  for (const s of vec) {
    const [l, r] = swap ? [scalar, s.v] : [s.v, scalar];
    let [value, keep] = elemBinop(op, l, r);
    // A comparison filters the vector's elements but keeps their values.
    if (isComparison(op) && swap) value = r;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push({ metric: dropName ? dropMetricName(s.metric) : s.metric, t: s.t, v: value });
  }
  return out;
}
