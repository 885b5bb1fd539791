// Semantic checks of a parsed expression: Prometheus 2.42's checkAST, with
// its messages and in its order (the first error wins). Like checkAST it
// also normalizes vector matching: set operators become many-to-many, and
// matching is dropped when a side is a scalar.

import { documentedType, exprType, isComparison, isSetOp, type Expr, type ValueType } from "./ast.js";
import { ParseError } from "./errors.js";

export function checkAst(e: Expr, query: string): ValueType {
  return new Checker(query).check(e);
}

class Checker {
  constructor(private readonly query: string) {}

  private fail(pos: number, msg: string): never {
    throw new ParseError(this.query, pos, msg);
  }

  private expectType(e: Expr, want: ValueType, context: string): void {
    const t = this.check(e);
    if (t !== want) this.fail(e.pos.start, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
  }

  check(e: Expr): ValueType {
    const typ = exprType(e);
    switch (e.kind) {
      case "AggregateExpr":
        this.expectType(e.expr, "vector", "aggregation expression");
        if (e.op === "topk" || e.op === "bottomk" || e.op === "quantile") this.expectType(e.param!, "scalar", "aggregation parameter");
        if (e.op === "count_values") this.expectType(e.param!, "string", "aggregation parameter");
        break;
      case "BinaryExpr":
        this.checkBinary(e);
        break;
      case "Call": {
        const f = e.func;
        const nargs = f.argTypes.length;
        if (f.variadic === 0) {
          if (nargs !== e.args.length) this.fail(e.pos.start, `expected ${nargs} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`);
        } else {
          const na = nargs - 1;
          if (na > e.args.length) this.fail(e.pos.start, `expected at least ${na} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`);
          const max = na + f.variadic;
          if (f.variadic > 0 && max < e.args.length) this.fail(e.pos.start, `expected at most ${max} argument(s) in call to ${JSON.stringify(f.name)}, got ${e.args.length}`);
        }
        for (let i = 0; i < e.args.length; i++) {
          let ti = i;
          if (i >= nargs) {
            if (f.variadic === 0) break;
            ti = nargs - 1;
          }
          this.expectType(e.args[i]!, f.argTypes[ti]!, `call to function ${JSON.stringify(f.name)}`);
        }
        break;
      }
      case "ParenExpr":
        this.check(e.expr);
        break;
      case "UnaryExpr": {
        const t = this.check(e.expr);
        if (t !== "scalar" && t !== "vector") {
          this.fail(e.pos.start, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(t))}`);
        }
        break;
      }
      case "SubqueryExpr": {
        const t = this.check(e.expr);
        if (t !== "vector") this.fail(e.pos.start, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }
      case "MatrixSelector":
        this.check(e.vectorSelector);
        break;
      case "VectorSelector":
        this.checkSelector(e);
        break;
      case "NumberLiteral":
      case "StringLiteral":
        break;
    }
    return typ;
  }

  private checkSelector(e: Extract<Expr, { kind: "VectorSelector" }>): void {
    if (e.name !== "") {
      // The last matcher is the name given outside the braces.
      for (const m of e.matchers.slice(0, -1)) {
        if (m.name === "__name__") this.fail(e.pos.start, `metric name must not be set twice: ${JSON.stringify(e.name)} or ${JSON.stringify(m.value)}`);
      }
      return;
    }
    // Selecting everything by accident (a typo) is refused.
    if (!e.matchers.some((m) => !m.matches(""))) this.fail(e.pos.start, "vector selector must contain at least one non-empty matcher");
  }

  private checkBinary(e: Extract<Expr, { kind: "BinaryExpr" }>): void {
    const lt = this.check(e.lhs);
    const rt = this.check(e.rhs);
    const opPos = e.opPos;
    if (e.returnBool && !isComparison(e.op)) this.fail(opPos, "bool modifier can only be used on comparison operators");
    if (isComparison(e.op) && !e.returnBool && exprType(e.rhs) === "scalar" && exprType(e.lhs) === "scalar") {
      this.fail(opPos, "comparisons between scalars must use BOOL modifier");
    }
    const vm = e.matching;
    if (vm && isSetOp(e.op) && vm.card === "one-to-one") vm.card = "many-to-many";
    if (vm?.on) {
      for (const l1 of vm.matchingLabels) {
        if (vm.include.includes(l1)) this.fail(opPos, `label ${JSON.stringify(l1)} must not occur in ON and GROUP clause at once`);
      }
    }
    if (lt !== "scalar" && lt !== "vector") this.fail(e.lhs.pos.start, "binary expression must contain only scalar and instant vector types");
    if (rt !== "scalar" && rt !== "vector") this.fail(e.rhs.pos.start, "binary expression must contain only scalar and instant vector types");
    if ((lt !== "vector" || rt !== "vector") && vm) {
      if (vm.matchingLabels.length > 0) this.fail(e.pos.start, "vector matching only allowed between instant vectors");
      e.matching = null;
    } else if (vm && isSetOp(e.op)) {
      if (vm.card === "one-to-many" || vm.card === "many-to-one") this.fail(e.pos.start, `no grouping allowed for ${JSON.stringify(e.op)} operation`);
      if (vm.card !== "many-to-many") this.fail(e.pos.start, "set operations must always be many-to-many");
    }
    if ((lt === "scalar" || rt === "scalar") && isSetOp(e.op)) this.fail(e.pos.start, `set operator ${JSON.stringify(e.op)} not allowed in binary scalar expression`);
  }
}
