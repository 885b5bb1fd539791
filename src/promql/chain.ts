// Operator chains with Prometheus 2.42's precedences. lezer-promql groups
// some chains differently from 2.42 (postfix modifiers, signed numbers), so
// the parser flattens each chain into its items in source order and
// re-associates them here, the way 2.42's yacc grammar does.

import type { BinaryOp, Expr, PosRange } from "./ast.js";
import type { CNode } from "./cst.js";

/** One element of a flattened operator chain, in source order. */
export type ChainItem =
  | { k: "operand"; node: CNode }
  | { k: "number"; text: string; pos: PosRange }
  | { k: "prefix"; op: "+" | "-"; pos: number }
  | { k: "binop"; op: BinaryOp; node: CNode; modifiers: CNode[] }
  | { k: "postfix"; node: CNode };

/** Builds AST nodes for the reader; implemented by the parser. */
export interface ChainBuilder {
  numberLiteral(text: string, pos: PosRange): Expr;
  operand(node: CNode): Expr;
  binary(lhs: Expr, item: Extract<ChainItem, { k: "binop" }>, rhs: Expr): Expr;
  unary(op: "+" | "-", pos: number, e: Expr): Expr;
  /** Applies offset, @, a range or a subquery. */
  postfix(e: Expr, node: CNode): Expr;
}

/** 2.42 precedences (generated_parser.y); ^ is right-associative. */
const precedence: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  "==": 3,
  "!=": 3,
  "<=": 3,
  "<": 3,
  ">=": 3,
  ">": 3,
  "+": 4,
  "-": 4,
  "*": 5,
  "/": 5,
  "%": 5,
  atan2: 5,
  "^": 6,
};
const powPrecedence = 6;

/** Precedence climbing over a flattened chain with 2.42's yacc precedences. */
export class ChainReader {
  private i = 0;

  constructor(
    private readonly items: ChainItem[],
    private readonly p: ChainBuilder,
  ) {}

  done(): boolean {
    return this.i === this.items.length;
  }

  parseExpr(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const it = this.items[this.i];
      if (!it || it.k !== "binop") break;
      const prec = precedence[it.op];
      if (prec < minPrec) break;
      this.i++;
      const rhs = this.parseExpr(it.op === "^" ? prec : prec + 1);
      lhs = this.p.binary(lhs, it, rhs);
    }
    return lhs;
  }

  private parseUnary(): Expr {
    const it = this.items[this.i++];
    if (!it) throw new Error("promql: empty operand in operator chain");
    if (it.k === "prefix") {
      // `unary_op expr %prec MUL`: the operand only absorbs ^ chains.
      const operand = this.parseExpr(powPrecedence);
      return this.p.unary(it.op, it.pos, operand);
    }
    let e: Expr;
    if (it.k === "number") e = this.p.numberLiteral(it.text, it.pos);
    else if (it.k === "operand") e = this.p.operand(it.node);
    else throw new Error(`promql: unexpected ${it.k} in operator chain`);
    for (let next = this.items[this.i]; next?.k === "postfix"; next = this.items[this.i]) {
      this.i++;
      e = this.p.postfix(e, next.node);
    }
    return e;
  }
}
