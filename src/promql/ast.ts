// Typed PromQL syntax tree, shaped like Prometheus 2.42's parser.Expr so the
// engine can follow the same evaluation rules. Positions are UTF-16 offsets
// into the query string.

import type { Matcher } from "../model/matchers.js";
import type { FunctionDef } from "./functions_meta.js";

export type ValueType = "none" | "vector" | "scalar" | "matrix" | "string";

export interface PosRange {
  start: number;
  end: number;
}

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | "atan2" | "==" | "!=" | ">" | "<" | ">=" | "<=" | "and" | "or" | "unless";

export type AggregateOp = "sum" | "avg" | "count" | "min" | "max" | "group" | "stddev" | "stdvar" | "topk" | "bottomk" | "count_values" | "quantile";

/** Cardinality of a vector match, as in parser.VectorMatchCardinality. */
export type MatchCard = "one-to-one" | "many-to-one" | "one-to-many" | "many-to-many";

export interface VectorMatching {
  card: MatchCard;
  /** Labels of on()/ignoring(). */
  matchingLabels: string[];
  /** True for on(), false for ignoring() or no clause. */
  on: boolean;
  /** Labels of group_left()/group_right(). */
  include: string[];
}

/** "start" / "end" for `@ start()` / `@ end()`. */
export type AtPreprocessor = "start" | "end";

export interface NumberLiteral {
  kind: "NumberLiteral";
  value: number;
  pos: PosRange;
}

export interface StringLiteral {
  kind: "StringLiteral";
  value: string;
  pos: PosRange;
}

export interface VectorSelector {
  kind: "VectorSelector";
  /** Metric name written outside the braces ("" when absent). */
  name: string;
  /** All matchers; a name outside braces becomes the last __name__ matcher. */
  matchers: Matcher[];
  /** offset modifier in ms (0 = none; may be negative). */
  offsetMs: number;
  /** `@ <ts>` in ms, or null. */
  timestamp: number | null;
  startOrEnd: AtPreprocessor | null;
  pos: PosRange;
}

export interface MatrixSelector {
  kind: "MatrixSelector";
  /** Always a VectorSelector once parsing succeeded. */
  vectorSelector: VectorSelector;
  rangeMs: number;
  pos: PosRange;
}

export interface SubqueryExpr {
  kind: "SubqueryExpr";
  expr: Expr;
  rangeMs: number;
  /** 0 means "use the default subquery step". */
  stepMs: number;
  offsetMs: number;
  timestamp: number | null;
  startOrEnd: AtPreprocessor | null;
  pos: PosRange;
}

export interface ParenExpr {
  kind: "ParenExpr";
  expr: Expr;
  pos: PosRange;
}

export interface UnaryExpr {
  kind: "UnaryExpr";
  op: "+" | "-";
  expr: Expr;
  pos: PosRange;
}

export interface BinaryExpr {
  kind: "BinaryExpr";
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** null unless both sides are instant vectors (after type checking). */
  matching: VectorMatching | null;
  pos: PosRange;
  /** Offset of the operator, for error positions. */
  opPos: number;
}

export interface AggregateExpr {
  kind: "AggregateExpr";
  op: AggregateOp;
  expr: Expr;
  param: Expr | null;
  grouping: string[];
  without: boolean;
  pos: PosRange;
}

export interface Call {
  kind: "Call";
  func: FunctionDef;
  args: Expr[];
  pos: PosRange;
}

export type Expr = NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | SubqueryExpr | ParenExpr | UnaryExpr | BinaryExpr | AggregateExpr | Call;

export const comparisonOps: ReadonlySet<BinaryOp> = new Set<BinaryOp>(["==", "!=", ">", "<", ">=", "<="]);
export const setOps: ReadonlySet<BinaryOp> = new Set<BinaryOp>(["and", "or", "unless"]);

export function isComparison(op: BinaryOp): boolean {
  return comparisonOps.has(op);
}

export function isSetOp(op: BinaryOp): boolean {
  return setOps.has(op);
}

/** Result type of an expression, as Expr.Type() in Prometheus. */
export function exprType(e: Expr): ValueType {
  switch (e.kind) {
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
      return exprType(e.expr);
    case "BinaryExpr":
      return exprType(e.lhs) === "scalar" && exprType(e.rhs) === "scalar" ? "scalar" : "vector";
    case "Call":
      return e.func.returnType;
  }
}

/** parser.DocumentedType: the names used in error messages. */
export function documentedType(t: ValueType): string {
  if (t === "vector") return "instant vector";
  if (t === "matrix") return "range vector";
  return t;
}

/** Children in Prometheus' parser.Children order (aggregations: expr, then param). */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case "AggregateExpr":
      return e.param ? [e.expr, e.param] : [e.expr];
    case "BinaryExpr":
      return [e.lhs, e.rhs];
    case "Call":
      return e.args;
    case "SubqueryExpr":
    case "ParenExpr":
    case "UnaryExpr":
      return [e.expr];
    case "MatrixSelector":
      return [e.vectorSelector];
    default:
      return [];
  }
}
