// The per-query evaluation tree. Prometheus mutates its AST while running a
// query (resolved @ start()/end(), offsets recomputed for @, step-invariant
// wrappers, loaded series); we copy the AST into these nodes instead, so a
// parsed Expr can be reused.

import { compareStrings } from "../model/labels.js";
import type { Matcher } from "../model/matchers.js";
import type { AggregateOp, BinaryOp, Expr, ValueType, VectorMatching } from "./ast.js";
import type { FunctionDef } from "./functions_meta.js";
import { atModifierUnsafeFunctions } from "./functions_meta.js";
import type { RawSeries } from "./series_data.js";

export interface PVectorSelector {
  kind: "VectorSelector";
  matchers: Matcher[];
  originalOffsetMs: number;
  /** Effective offset: original offset, adjusted for @ (setOffsetForAtModifier). */
  offsetMs: number;
  timestamp: number | null;
  startOrEnd: "start" | "end" | null;
  /** Filled before evaluation. */
  series: RawSeries[] | null;
}

export interface PMatrixSelector {
  kind: "MatrixSelector";
  vs: PVectorSelector;
  rangeMs: number;
}

export interface PSubquery {
  kind: "SubqueryExpr";
  expr: PNode;
  rangeMs: number;
  stepMs: number;
  originalOffsetMs: number;
  offsetMs: number;
  timestamp: number | null;
  startOrEnd: "start" | "end" | null;
}

export type PNode =
  | { kind: "NumberLiteral"; value: number }
  | { kind: "StringLiteral"; value: string }
  | PVectorSelector
  | PMatrixSelector
  | PSubquery
  | { kind: "ParenExpr"; expr: PNode }
  | { kind: "UnaryExpr"; op: "+" | "-"; expr: PNode }
  | { kind: "BinaryExpr"; op: BinaryOp; lhs: PNode; rhs: PNode; returnBool: boolean; matching: VectorMatching | null }
  | { kind: "AggregateExpr"; op: AggregateOp; expr: PNode; param: PNode | null; grouping: string[]; without: boolean }
  | { kind: "Call"; func: FunctionDef; args: PNode[] }
  | { kind: "StepInvariantExpr"; expr: PNode };

export function toPlan(e: Expr): PNode {
  const go = (x: Expr): PNode => toPlan(x);
  switch (e.kind) {
    case "NumberLiteral":
      return { kind: "NumberLiteral", value: e.value };
    case "StringLiteral":
      return { kind: "StringLiteral", value: e.value };
    case "VectorSelector":
      return { kind: "VectorSelector", matchers: e.matchers, originalOffsetMs: e.offsetMs, offsetMs: e.offsetMs, timestamp: e.timestamp, startOrEnd: e.startOrEnd, series: null };
    case "MatrixSelector":
      return { kind: "MatrixSelector", vs: go(e.vectorSelector) as PVectorSelector, rangeMs: e.rangeMs };
    case "SubqueryExpr":
      return {
        kind: "SubqueryExpr",
        expr: go(e.expr),
        rangeMs: e.rangeMs,
        stepMs: e.stepMs,
        originalOffsetMs: e.offsetMs,
        offsetMs: e.offsetMs,
        timestamp: e.timestamp,
        startOrEnd: e.startOrEnd,
      };
    case "ParenExpr":
      return { kind: "ParenExpr", expr: go(e.expr) };
    case "UnaryExpr":
      return { kind: "UnaryExpr", op: e.op, expr: go(e.expr) };
    case "BinaryExpr":
      return {
        kind: "BinaryExpr",
        op: e.op,
        lhs: go(e.lhs),
        rhs: go(e.rhs),
        returnBool: e.returnBool,
        matching: e.matching,
      };
    case "AggregateExpr":
      return {
        kind: "AggregateExpr",
        op: e.op,
        expr: go(e.expr),
        param: e.param ? go(e.param) : null,
        grouping: [...e.grouping].sort(compareStrings),
        without: e.without,
      };
    case "Call":
      // The engine unwraps parentheses around call arguments before use
      // (absent() then sees the selector inside).
      return { kind: "Call", func: e.func, args: e.args.map((a) => unwrapParen(go(a))) };
  }
}

/** Expr.Type() on plan nodes. */
export function planType(n: PNode): ValueType {
  switch (n.kind) {
    case "NumberLiteral":
      return "scalar";
    case "StringLiteral":
      return "string";
    case "VectorSelector":
    case "AggregateExpr":
      return "vector";
    case "MatrixSelector":
    case "SubqueryExpr":
      return "matrix";
    case "ParenExpr":
    case "UnaryExpr":
    case "StepInvariantExpr":
      return planType(n.expr);
    case "BinaryExpr":
      return planType(n.lhs) === "scalar" && planType(n.rhs) === "scalar" ? "scalar" : "vector";
    case "Call":
      return n.func.returnType;
  }
}

export function unwrapParen(n: PNode): PNode {
  while (n.kind === "ParenExpr") n = n.expr;
  return n;
}

export function unwrapStepInvariant(n: PNode): PNode {
  return n.kind === "StepInvariantExpr" ? n.expr : n;
}

/** Children in parser.Children order. */
export function planChildren(n: PNode): PNode[] {
  switch (n.kind) {
    case "AggregateExpr":
      return n.param ? [n.expr, n.param] : [n.expr];
    case "BinaryExpr":
      return [n.lhs, n.rhs];
    case "Call":
      return n.args;
    case "SubqueryExpr":
    case "ParenExpr":
    case "UnaryExpr":
    case "StepInvariantExpr":
      return [n.expr];
    case "MatrixSelector":
      return [n.vs];
    default:
      return [];
  }
}

/** Pre-order walk with the ancestor path, like parser.Inspect. */
export function inspect(n: PNode, f: (node: PNode, path: readonly PNode[]) => void, path: PNode[] = []): void {
  f(n, path);
  path.push(n);
  for (const c of planChildren(n)) inspect(c, f, path);
  path.pop();
}

/**
 * PreprocessExpr: wraps step-invariant subtrees (those pinned by @, or
 * made of literals) in StepInvariantExpr so they are evaluated once, and
 * resolves @ start()/end().
 */
export function preprocess(root: PNode, startMs: number, endMs: number): PNode {
  return markInvariant(root, startMs, endMs) ? { kind: "StepInvariantExpr", expr: root } : root;
}

function wrap(n: PNode): PNode {
  return { kind: "StepInvariantExpr", expr: n };
}

function resolveAt(n: PVectorSelector | PSubquery, startMs: number, endMs: number): void {
  if (n.startOrEnd === "start") n.timestamp = startMs;
  else if (n.startOrEnd === "end") n.timestamp = endMs;
}

function markInvariant(n: PNode, startMs: number, endMs: number): boolean {
  switch (n.kind) {
    case "VectorSelector":
      resolveAt(n, startMs, endMs);
      return n.timestamp !== null;
    case "AggregateExpr":
      // As in 2.42, the parameter is not looked at.
      return markInvariant(n.expr, startMs, endMs);
    case "BinaryExpr": {
      const l = markInvariant(n.lhs, startMs, endMs);
      const r = markInvariant(n.rhs, startMs, endMs);
      if (l && r) return true;
      if (l) n.lhs = wrap(n.lhs);
      if (r) n.rhs = wrap(n.rhs);
      return false;
    }
    case "Call": {
      let invariant = !atModifierUnsafeFunctions.has(n.func.name);
      const each = n.args.map((a) => markInvariant(a, startMs, endMs));
      for (const x of each) invariant &&= x;
      if (invariant) return true;
      n.args = n.args.map((a, i) => (each[i] ? wrap(a) : a));
      return false;
    }
    case "MatrixSelector":
      return markInvariant(n.vs, startMs, endMs);
    case "SubqueryExpr": {
      // The inside is wrapped regardless of the subquery's own @, so it is
      // evaluated once relative to the subquery's start.
      if (markInvariant(n.expr, startMs, endMs)) n.expr = wrap(n.expr);
      resolveAt(n, startMs, endMs);
      return n.timestamp !== null;
    }
    case "ParenExpr":
    case "UnaryExpr":
      return markInvariant(n.expr, startMs, endMs);
    case "StringLiteral":
    case "NumberLiteral":
      return true;
    case "StepInvariantExpr":
      return true;
  }
}

/** subqueryTimes: summed offsets and ranges of subqueries on the path, reset by a subquery @. */
export function subqueryTimes(path: readonly PNode[]): { offsetMs: number; rangeMs: number; ts: number | null } {
  let offsetMs = 0;
  let rangeMs = 0;
  let ts: number | null = null;
  for (const n of path) {
    if (n.kind !== "SubqueryExpr") continue;
    offsetMs += n.originalOffsetMs;
    rangeMs += n.rangeMs;
    if (n.timestamp !== null) {
      offsetMs = n.originalOffsetMs;
      rangeMs = n.rangeMs;
      ts = n.timestamp;
    }
  }
  return { offsetMs, rangeMs, ts };
}

/**
 * setOffsetForAtModifier: selectors and subqueries pinned with @ get an
 * offset that moves evaluation from evalTime to their timestamp.
 */
export function setOffsetForAt(evalTime: number, root: PNode): void {
  const offsetFor = (ts: number | null, original: number, path: readonly PNode[]): number => {
    if (ts === null) return original;
    const sq = subqueryTimes(path);
    let subqOffset = sq.offsetMs;
    if (sq.ts !== null) subqOffset += evalTime - sq.ts;
    return original + (evalTime - ts) - subqOffset;
  };
  inspect(root, (n, path) => {
    if (n.kind === "VectorSelector") n.offsetMs = offsetFor(n.timestamp, n.originalOffsetMs, path);
    else if (n.kind === "MatrixSelector") n.vs.offsetMs = offsetFor(n.vs.timestamp, n.vs.originalOffsetMs, path);
    else if (n.kind === "SubqueryExpr") n.offsetMs = offsetFor(n.timestamp, n.originalOffsetMs, path);
  });
}
