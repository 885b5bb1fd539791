// PromQL parser: lezer-promql gives the concrete syntax tree, this module
// turns it into the typed AST of ast.ts with Prometheus 2.42 semantics.
//
// lezer-promql tracks Prometheus 3.x and differs from 2.42 in places, so:
// - a 2.42 lexer (lexer.ts) runs first and rejects what 2.42's lexer rejects;
// - operator chains are re-associated with 2.42's precedences: in 2.42
//   `offset`, `@`, `[range]` and `[range:step]` bind tighter than any
//   operator (`a + b offset 5m` is `a + (b offset 5m)`), and a minus sign is
//   never part of a number literal (`-2 ^ 2` is `-(2 ^ 2)`); lezer groups
//   both differently;
// - 3.x-only syntax (quoted label names, duration arithmetic, newer
//   functions and modifiers) is rejected.
//
// Known gaps: syntax error messages are rebuilt from 2.42's token context
// (lezer has none); they match 2.42 on the probes in the tests, but other
// malformed input may get a different message (always bad_data). With
// several errors in one query, 2.42 reports the first in its parse order,
// we report lexical, then syntax, then grammar, then type errors. `offset`
// as a metric name is recognized only where an operand starts.

import { Matcher, MatchType } from "../model/matchers.js";
import type { AggregateExpr, AggregateOp, BinaryExpr, BinaryOp, Expr, MatchCard, MatrixSelector, PosRange, SubqueryExpr, VectorMatching, VectorSelector } from "./ast.js";
import { ChainReader, type ChainBuilder, type ChainItem } from "./chain.js";
import { checkAst } from "./check.js";
import { child, firstError, parseCst, type CNode } from "./cst.js";
import { ParseError } from "./errors.js";
import { getFunction } from "./functions_meta.js";
import { describeToken, lex, type Token } from "./lexer.js";
import { LiteralError, parseNumber, parsePositiveDurationMs, unquote } from "./literals.js";
import { isOffsetOperand, startsOperand, syntaxContext } from "./syntax_context.js";

/** Functions 2.42 has that the lezer grammar no longer knows by name. */
const lezerUnknownFunctions = new Set(["holt_winters"]);

const exprNodes = new Set([
  "AggregateExpr",
  "BinaryExpr",
  "FunctionCall",
  "MatrixSelector",
  "NumberDurationLiteral",
  "OffsetExpr",
  "AnchoredExpr",
  "SmoothedExpr",
  "ParenExpr",
  "StringLiteral",
  "SubqueryExpr",
  "UnaryExpr",
  "VectorSelector",
  "StepInvariantExpr",
]);

const binaryOpNodes: Record<string, BinaryOp> = {
  Pow: "^",
  Mul: "*",
  Div: "/",
  Mod: "%",
  Atan2: "atan2",
  Add: "+",
  Sub: "-",
  Eql: "==",
  Neq: "!=",
  Gte: ">=",
  Gtr: ">",
  Lte: "<=",
  Lss: "<",
  And: "and",
  Unless: "unless",
  Or: "or",
};

const aggregateOpNodes: Record<string, AggregateOp> = {
  Avg: "avg",
  Bottomk: "bottomk",
  Count: "count",
  CountValues: "count_values",
  Group: "group",
  Max: "max",
  Min: "min",
  Quantile: "quantile",
  Stddev: "stddev",
  Stdvar: "stdvar",
  Sum: "sum",
  Topk: "topk",
};

const matchOpNodes: Record<string, MatchType> = {
  EqlSingle: MatchType.EQ,
  Neq: MatchType.NEQ,
  EqlRegex: MatchType.RE,
  NeqRegex: MatchType.NRE,
};

/**
 * Parses a PromQL expression. Throws ParseError (kind bad_data) with a
 * Prometheus-style message for syntax and type errors.
 */
export function parseExpr(input: string): Expr {
  return new Parser(input).parse();
}

class Parser implements ChainBuilder {
  private tokens: Token[] = [];
  /** Function names replaced before lezer parsing, by position. */
  private readonly renamed = new Map<number, string>();

  constructor(private readonly input: string) {}

  parse(): Expr {
    const lexed = lex(this.input);
    this.tokens = lexed.tokens;
    if (lexed.error) throw this.err(lexed.error.pos, lexed.error.message);
    if (this.tokens.length === 0 || this.tokens[0]!.type === "EOF") throw this.err(0, "no expression found in input");
    const text = this.prepareForLezer();
    const top = parseCst(text);
    const bad = firstError(top);
    if (bad) throw this.syntaxError(bad);
    const exprs = top.children.filter((c) => exprNodes.has(c.name));
    if (exprs.length !== 1) throw this.err(0, "no expression found in input");
    const expr = this.build(exprs[0]!);
    checkAst(expr, this.input);
    return expr;
  }

  private err(pos: number, message: string): ParseError {
    return new ParseError(this.input, pos, message);
  }

  /**
   * Checks what 2.42 rejects at token level but lezer accepts, then renames
   * functions lezer does not know to a known name of no greater length,
   * padded with spaces so positions stay the same.
   */
  private prepareForLezer(): string {
    let text = this.input;
    const toks = this.tokens;
    for (let i = 0; i + 1 < toks.length; i++) {
      const t = toks[i]!;
      const next = toks[i + 1]!;
      const prev = toks[i - 1];
      if (t.type === "NUMBER") {
        try {
          parseNumber(t.val);
        } catch (e) {
          throw this.err(t.pos, `error parsing number: ${(e as Error).message}`);
        }
      }
      if (t.type === "DURATION" && (prev?.type === "LEFT_BRACKET" || prev?.type === "COLON" || isOffsetOperand(toks, i))) {
        try {
          parsePositiveDurationMs(t.val);
        } catch (e) {
          throw this.err(t.pos, (e as Error).message);
        }
      }
      // 2.42 accepts `offset` as a metric name where an operand is expected;
      // lezer never does, so it gets a neutral identifier of the same length.
      if (t.type === "KEYWORD" && t.val.toLowerCase() === "offset" && startsOperand(prev)) {
        text = text.slice(0, t.pos) + "x".repeat(t.val.length) + text.slice(t.end);
        continue;
      }
      if (next.type !== "LEFT_PAREN") continue;
      // start()/end() exist only after @ in 2.42.
      if (t.type === "KEYWORD" && (t.val.toLowerCase() === "start" || t.val.toLowerCase() === "end") && !(prev?.type === "OPERATOR" && prev.val === "@")) {
        throw this.err(next.pos, `unexpected ${describeToken(next)}`);
      }
      if (t.type !== "IDENTIFIER") continue;
      if (!getFunction(t.val)) throw this.err(t.pos, `unknown function with name ${JSON.stringify(t.val)}`);
      if (lezerUnknownFunctions.has(t.val)) {
        this.renamed.set(t.pos, t.val);
        text = text.slice(0, t.pos) + "abs".padEnd(t.val.length, " ") + text.slice(t.end);
      }
    }
    return text;
  }

  /** "unexpected ..." for the token where lezer found an error. */
  private syntaxError(bad: CNode): ParseError {
    const idx = this.tokens.findIndex((t) => t.end > bad.from || t.type === "EOF");
    const tok = this.tokens[idx]!;
    const prev = this.tokens[idx - 1];
    if (tok.type === "RIGHT_PAREN" && prev?.type === "COMMA") return this.err(prev.pos, "trailing commas not allowed in function call args");
    return this.unexpectedAt(idx);
  }

  /** 2.42's "unexpected <token> in <context>, expected <what>" for the token at idx. */
  private unexpectedAt(idx: number): ParseError {
    const tok = this.tokens[idx]!;
    const ctx = syntaxContext(this.tokens, idx);
    return this.err(tok.pos, `unexpected ${describeToken(tok)}${ctx ? ` in ${ctx[0]}, expected ${ctx[1]}` : ""}`);
  }

  /** The first token in n that is not a plain duration, described in its 2.42 context. */
  private unexpectedIn(n: CNode): ParseError {
    let idx = this.tokens.findIndex((t) => t.pos >= n.from && t.end <= n.to && t.type !== "DURATION" && t.type !== "EOF");
    if (idx < 0) idx = this.tokens.findIndex((t) => t.pos >= n.to || t.type === "EOF");
    return this.unexpectedAt(idx);
  }

  private text(n: CNode): string {
    return this.input.slice(n.from, n.to);
  }

  private build(n: CNode): Expr {
    switch (n.name) {
      case "BinaryExpr":
      case "UnaryExpr":
      case "OffsetExpr":
      case "StepInvariantExpr":
      case "MatrixSelector":
      case "SubqueryExpr":
      case "NumberDurationLiteral":
        return this.buildChain(n);
      case "ParenExpr":
        return { kind: "ParenExpr", expr: this.build(this.exprChildren(n)[0]!), pos: { start: n.from, end: n.to } };
      case "StringLiteral":
        return { kind: "StringLiteral", value: this.unquoteAt(n), pos: { start: n.from, end: n.to } };
      case "VectorSelector":
        return this.buildVectorSelector(n);
      case "FunctionCall":
        return this.buildCall(n);
      case "AggregateExpr":
        return this.buildAggregate(n);
      case "AnchoredExpr":
      case "SmoothedExpr": {
        const kw = n.children[n.children.length - 1]!;
        throw this.err(kw.from, `unexpected identifier ${JSON.stringify(this.text(kw))}`);
      }
    }
    throw this.err(n.from, `unexpected ${JSON.stringify(this.text(n))}`);
  }

  private exprChildren(n: CNode): CNode[] {
    return n.children.filter((c) => exprNodes.has(c.name));
  }

  private unquoteAt(n: CNode): string {
    const raw = this.text(n);
    try {
      return unquote(raw);
    } catch (e) {
      throw this.err(n.from, `error unquoting string ${JSON.stringify(raw)}: ${(e as Error).message}`);
    }
  }

  // ---- operator chains -------------------------------------------------

  private buildChain(n: CNode): Expr {
    const items: ChainItem[] = [];
    this.flatten(n, items);
    const r = new ChainReader(items, this);
    const e = r.parseExpr(0);
    if (!r.done()) throw this.err(n.from, "unexpected operator chain");
    return e;
  }

  /** Lists operands and operators in source order, ignoring lezer's grouping. */
  private flatten(n: CNode, out: ChainItem[]): void {
    switch (n.name) {
      case "BinaryExpr": {
        const [lhs, rhs] = this.exprChildren(n);
        const opNode = n.children.find((c) => c.name in binaryOpNodes || c.name === "TrimUpper" || c.name === "TrimLower")!;
        // 2.42 lexes "</" as "<" followed by "/".
        if (!(opNode.name in binaryOpNodes)) throw this.err(opNode.from + 1, "unexpected <op:/>");
        const modifiers = n.children.filter((c) => c.name === "BoolModifier" || c.name === "MatchingModifierClause" || c.name === "FillModifier");
        this.flatten(lhs!, out);
        out.push({ k: "binop", op: binaryOpNodes[opNode.name]!, node: opNode, modifiers });
        this.flatten(rhs!, out);
        return;
      }
      case "UnaryExpr": {
        const op = child(n, "UnaryOp")!;
        out.push({ k: "prefix", op: this.text(op) === "-" ? "-" : "+", pos: op.from });
        this.flatten(this.exprChildren(n)[0]!, out);
        return;
      }
      case "NumberDurationLiteral": {
        const t = this.text(n);
        if (t.startsWith("-") || t.startsWith("+")) {
          out.push({ k: "prefix", op: t[0] as "+" | "-", pos: n.from });
          const rest = t.slice(1).trimStart();
          out.push({ k: "number", text: rest, pos: { start: n.to - rest.length, end: n.to } });
        } else {
          out.push({ k: "number", text: t, pos: { start: n.from, end: n.to } });
        }
        return;
      }
      case "OffsetExpr":
      case "StepInvariantExpr":
      case "MatrixSelector":
      case "SubqueryExpr":
        this.flatten(this.exprChildren(n)[0]!, out);
        out.push({ k: "postfix", node: n });
        return;
      default:
        out.push({ k: "operand", node: n });
    }
  }

  numberLiteral(text: string, pos: PosRange): Expr {
    const tok = this.tokens.find((t) => t.pos === pos.start);
    if (tok?.type === "DURATION") throw this.err(pos.start, `unexpected ${describeToken(tok)}`);
    try {
      return { kind: "NumberLiteral", value: parseNumber(text), pos };
    } catch (e) {
      throw this.err(pos.start, `error parsing number: ${(e as Error).message}`);
    }
  }

  operand(node: CNode): Expr {
    return this.build(node);
  }

  /** Builds `lhs op rhs`, reading bool/on/ignoring/group_x from the modifiers. */
  binary(lhs: Expr, item: Extract<ChainItem, { k: "binop" }>, rhs: Expr): BinaryExpr {
    let returnBool = false;
    let card: MatchCard = "one-to-one";
    let on = false;
    let matchingLabels: string[] = [];
    let include: string[] = [];
    for (const m of item.modifiers) {
      if (m.name === "BoolModifier") returnBool = true;
      else if (m.name === "FillModifier") throw this.err(m.from, `unexpected identifier ${JSON.stringify(this.text(m).split(/[\s(]/)[0])}`);
      else {
        on = child(m, "On") !== undefined;
        const lists = m.children.filter((c) => c.name === "GroupingLabels");
        matchingLabels = this.groupingLabels(lists[0]!);
        if (child(m, "GroupLeft")) card = "many-to-one";
        if (child(m, "GroupRight")) card = "one-to-many";
        if (lists[1]) include = this.groupingLabels(lists[1]);
      }
    }
    const matching: VectorMatching = { card, matchingLabels, on, include };
    return {
      kind: "BinaryExpr",
      op: item.op,
      lhs,
      rhs,
      returnBool,
      matching,
      pos: { start: exprStart(lhs), end: rhs.pos.end },
      opPos: item.node.from,
    };
  }

  unary(op: "+" | "-", pos: number, e: Expr): Expr {
    // 2.42 folds a sign into a number literal at parse time.
    if (e.kind === "NumberLiteral") return { kind: "NumberLiteral", value: op === "-" ? -e.value : e.value, pos: { start: pos, end: e.pos.end } };
    return { kind: "UnaryExpr", op, expr: e, pos: { start: pos, end: e.pos.end } };
  }

  /** Applies `offset`, `@`, `[range]` or `[range:step]` as the 2.42 grammar actions do. */
  postfix(e: Expr, n: CNode): Expr {
    switch (n.name) {
      case "MatrixSelector": {
        const dur = this.durationOf(child(n, "DurationExpr")!);
        let msg = "";
        if (e.kind !== "VectorSelector") msg = "ranges only allowed for vector selectors";
        else if (e.offsetMs !== 0) msg = "no offset modifiers allowed before range";
        else if (e.timestamp !== null) msg = "no @ modifiers allowed before range";
        if (msg) throw this.err(this.bracketPos(n), msg);
        const ms: MatrixSelector = { kind: "MatrixSelector", vectorSelector: e as VectorSelector, rangeMs: dur, pos: { start: exprStart(e), end: n.to } };
        return ms;
      }
      case "SubqueryExpr": {
        const durs = n.children.filter((c) => c.name === "DurationExpr");
        const range = this.durationOf(durs[0]!);
        const step = durs[1] ? this.durationOf(durs[1]) : 0;
        const sq: SubqueryExpr = { kind: "SubqueryExpr", expr: e, rangeMs: range, stepMs: step, offsetMs: 0, timestamp: null, startOrEnd: null, pos: { start: exprStart(e), end: n.to } };
        return sq;
      }
      case "OffsetExpr": {
        const offset = this.offsetOf(child(n, "OffsetDurationExpr")!);
        const target = e.kind === "MatrixSelector" ? e.vectorSelector : e;
        if (target.kind !== "VectorSelector" && target.kind !== "SubqueryExpr") {
          throw this.err(exprStart(e), "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
        }
        if (target.offsetMs !== 0) throw this.err(exprStart(e), "offset may not be set multiple times");
        target.offsetMs = offset;
        e.pos = { start: e.pos.start, end: n.to };
        return e;
      }
      case "StepInvariantExpr": {
        const pre = child(n, "AtModifierPreprocessors");
        let ts: number | null = null;
        if (!pre) {
          const lit = child(n, "NumberDurationLiteral")!;
          ts = this.atTimestamp(lit, exprStart(e));
        }
        const target = e.kind === "MatrixSelector" ? e.vectorSelector : e;
        if (target.kind !== "VectorSelector" && target.kind !== "SubqueryExpr") {
          throw this.err(exprStart(e), "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
        }
        if (target.timestamp !== null || target.startOrEnd !== null) throw this.err(exprStart(e), "@ <timestamp> may not be set multiple times");
        if (pre) target.startOrEnd = child(pre, "AtStart") ? "start" : "end";
        else target.timestamp = ts;
        e.pos = { start: e.pos.start, end: n.to };
        return e;
      }
    }
    throw this.err(n.from, `unexpected ${JSON.stringify(this.text(n))}`);
  }

  private bracketPos(n: CNode): number {
    const d = child(n, "DurationExpr")!;
    const open = this.input.lastIndexOf("[", d.from);
    return open >= 0 ? open : d.from;
  }

  /** A range or step: 2.42 only accepts a single duration literal here. */
  private durationOf(n: CNode): number {
    const lit = n.children.length === 1 ? child(n, "NumberDurationLiteralInDurationContext") : undefined;
    const tok = lit ? this.tokens.find((t) => t.pos === lit.from && t.end === lit.to) : undefined;
    if (!lit || tok?.type !== "DURATION") throw this.unexpectedIn(n);
    return this.parseDurationAt(lit);
  }

  /** `offset 5m` or `offset -5m`. */
  private offsetOf(n: CNode): number {
    const lit = child(n, "NumberDurationLiteralInDurationContext");
    if (lit) {
      const tok = this.tokens.find((t) => t.pos === lit.from && t.end === lit.to);
      if (tok?.type !== "DURATION") throw this.unexpectedIn(n);
      return this.parseDurationAt(lit);
    }
    const op = child(n, "UnaryOp");
    const inner = child(n, "OffsetDurationExpr");
    const innerLit = inner ? child(inner, "NumberDurationLiteralInDurationContext") : undefined;
    if (op && this.text(op) === "-" && inner && innerLit) {
      const tok = this.tokens.find((t) => t.pos === innerLit.from && t.end === innerLit.to);
      if (tok?.type === "DURATION") return -this.parseDurationAt(innerLit);
    }
    throw this.unexpectedIn(n);
  }

  private parseDurationAt(n: CNode): number {
    try {
      return parsePositiveDurationMs(this.text(n));
    } catch (e) {
      if (e instanceof LiteralError) throw this.err(n.from, e.message);
      throw e;
    }
  }

  /** `@ <number>`: seconds, possibly signed, to milliseconds as timestamp.FromFloatSeconds. */
  private atTimestamp(lit: CNode, exprPos: number): number {
    const t = this.text(lit);
    const sign = t.startsWith("-") ? -1 : 1;
    const body = t.startsWith("-") || t.startsWith("+") ? t.slice(1).trimStart() : t;
    const tok = this.tokens.find((x) => x.end === lit.to);
    if (tok?.type === "DURATION") throw this.err(tok.pos, `unexpected ${describeToken(tok)} in @, expected timestamp`);
    let v: number;
    try {
      v = sign * parseNumber(body);
    } catch (e) {
      throw this.err(lit.from, `error parsing number: ${(e as Error).message}`);
    }
    if (!Number.isFinite(v) || v >= 9223372036854775807 || v <= -9223372036854775808) {
      throw this.err(exprPos, `timestamp out of bounds for @ modifier: ${formatGoF(v)}`);
    }
    return goRound(v * 1000);
  }

  // ---- leaves ----------------------------------------------------------

  private buildVectorSelector(n: CNode): VectorSelector {
    const ident = child(n, "Identifier");
    const name = ident ? this.text(ident) : "";
    const matchers: Matcher[] = [];
    const lm = child(n, "LabelMatchers");
    for (const m of lm?.children ?? []) {
      if (m.name === "QuotedLabelMatcher" || m.name === "QuotedLabelName") {
        const tok = this.tokens.find((t) => t.pos === m.from)!;
        throw this.err(m.from, `unexpected ${describeToken(tok)} in label matching, expected identifier or "}"`);
      }
      if (m.name !== "UnquotedLabelMatcher") continue;
      const label = this.text(child(m, "LabelName")!);
      const opNode = child(m, "MatchOp")!.children[0]!;
      const valueNode = child(m, "StringLiteral")!;
      const value = this.unquoteAt(valueNode);
      try {
        matchers.push(new Matcher(matchOpNodes[opNode.name]!, label, value));
      } catch (e) {
        // Report the regexp error itself, as labels.NewMatcher does.
        const msg = (e as Error).message;
        const prefix = `for label ${JSON.stringify(label)}: `;
        const at = msg.indexOf(prefix);
        throw this.err(m.from, at >= 0 ? msg.slice(at + prefix.length) : msg);
      }
    }
    if (name !== "") matchers.push(new Matcher(MatchType.EQ, "__name__", name));
    return { kind: "VectorSelector", name, matchers, offsetMs: 0, timestamp: null, startOrEnd: null, pos: { start: n.from, end: n.to } };
  }

  private buildCall(n: CNode): Expr {
    const ident = child(n, "FunctionIdentifier")!;
    const name = this.renamed.get(ident.from) ?? this.text(ident);
    const func = getFunction(name);
    if (!func) throw this.err(ident.from, `unknown function with name ${JSON.stringify(name)}`);
    const body = child(n, "FunctionCallBody")!;
    const args = this.exprChildren(body).map((a) => this.build(a));
    return { kind: "Call", func, args, pos: { start: n.from, end: n.to } };
  }

  private buildAggregate(n: CNode): AggregateExpr {
    const opNode = child(n, "AggregateOp")!;
    const op = aggregateOpNodes[opNode.children[0]?.name ?? ""];
    if (!op) throw this.err(opNode.from, `unknown function with name ${JSON.stringify(this.text(opNode))}`);
    const mod = child(n, "AggregateModifier");
    let grouping: string[] = [];
    let without = false;
    if (mod) {
      without = child(mod, "Without") !== undefined;
      grouping = this.groupingLabels(child(mod, "GroupingLabels")!);
    }
    const body = child(n, "FunctionCallBody")!;
    const args = this.exprChildren(body).map((a) => this.build(a));
    const pos = { start: n.from, end: n.to };
    if (args.length === 0) throw this.err(n.from, "no arguments for aggregate expression provided");
    const withParam = op === "topk" || op === "bottomk" || op === "count_values" || op === "quantile";
    const want = withParam ? 2 : 1;
    if (args.length !== want) throw this.err(n.from, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    return { kind: "AggregateExpr", op, expr: args[want - 1]!, param: withParam ? args[0]! : null, grouping, without, pos };
  }

  private groupingLabels(n: CNode): string[] {
    const out: string[] = [];
    for (const c of n.children) {
      const name = this.text(c);
      // 2.42 lexes these as numbers, which are not labels.
      if (c.name === "LabelName" && (name.toLowerCase() === "inf" || name.toLowerCase() === "nan")) {
        throw this.err(c.from, `unexpected number ${JSON.stringify(name)} in grouping opts, expected label`);
      }
      if (c.name === "LabelName") out.push(name);
      else if (c.name === "QuotedLabelName") {
        const tok = this.tokens.find((t) => t.pos === c.from)!;
        throw this.err(c.from, `unexpected ${describeToken(tok)} in grouping opts, expected label`);
      }
    }
    return out;
  }
}

function exprStart(e: Expr): number {
  return e.pos.start;
}

/** Go's math.Round: halves away from zero. */
export function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Go's %f for the values setTimestamp reports. */
function formatGoF(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return v.toFixed(6);
}
