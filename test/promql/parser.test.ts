import { describe, expect, it } from "vitest";
import { MatchType } from "../../src/model/matchers.js";
import type { BinaryExpr, Expr } from "../../src/promql/ast.js";
import { ParseError } from "../../src/promql/errors.js";
import { parseDurationMs, parseNumber, unquote } from "../../src/promql/literals.js";
import { parseExpr } from "../../src/promql/parser.js";
import { prometheusParseErrors } from "./parse_errors_242.js";

/** A compact rendering of the AST that shows grouping explicitly. */
function show(e: Expr): string {
  switch (e.kind) {
    case "NumberLiteral":
      return String(e.value);
    case "StringLiteral":
      return JSON.stringify(e.value);
    case "VectorSelector": {
      let s = e.name + "{" + e.matchers.filter((m) => !(m.name === "__name__" && m.value === e.name && e.name)).map(String).join(",") + "}";
      if (e.timestamp !== null) s += ` @${e.timestamp}`;
      if (e.startOrEnd) s += ` @${e.startOrEnd}()`;
      if (e.offsetMs) s += ` offset${e.offsetMs}`;
      return s;
    }
    case "MatrixSelector":
      return `${show(e.vectorSelector)}[${e.rangeMs}]`;
    case "SubqueryExpr": {
      let s = `(${show(e.expr)})[${e.rangeMs}:${e.stepMs}]`;
      if (e.timestamp !== null) s += ` @${e.timestamp}`;
      if (e.offsetMs) s += ` offset${e.offsetMs}`;
      return s;
    }
    case "ParenExpr":
      return `(${show(e.expr)})`;
    case "UnaryExpr":
      return `${e.op}[${show(e.expr)}]`;
    case "BinaryExpr": {
      const m = e.matching;
      let mod = e.returnBool ? " bool" : "";
      if (m && (m.on || m.matchingLabels.length)) mod += ` ${m.on ? "on" : "ignoring"}(${m.matchingLabels.join(",")})`;
      if (m && m.card === "many-to-one") mod += ` group_left(${m.include.join(",")})`;
      if (m && m.card === "one-to-many") mod += ` group_right(${m.include.join(",")})`;
      return `<${show(e.lhs)} ${e.op}${mod} ${show(e.rhs)}>`;
    }
    case "AggregateExpr":
      return `${e.op}${e.without ? " without" : " by"}(${e.grouping.join(",")})(${e.param ? show(e.param) + ", " : ""}${show(e.expr)})`;
    case "Call":
      return `${e.func.name}(${e.args.map(show).join(", ")})`;
  }
}

const p = (q: string): string => show(parseExpr(q));

describe("literals", () => {
  it("parses numbers like strconv (base 0 ints, then floats)", () => {
    expect(parseNumber("0x1F")).toBe(31);
    expect(parseNumber("010")).toBe(8);
    expect(parseNumber("08")).toBe(8);
    expect(parseNumber("1e3")).toBe(1000);
    expect(parseNumber(".5")).toBe(0.5);
    expect(parseNumber("5.")).toBe(5);
    expect(parseNumber("Inf")).toBe(Infinity);
    expect(parseNumber("nAn")).toBeNaN();
    expect(parseNumber("99999999999999999999")).toBe(1e20);
    expect(() => parseNumber("1e")).toThrow('strconv.ParseFloat: parsing "1e": invalid syntax');
  });

  it("unquotes Go strings", () => {
    expect(unquote('"a\\nb\\t\\"c\\""')).toBe('a\nb\t"c"');
    expect(unquote("'it\\'s'")).toBe("it's");
    expect(unquote("`raw \\n`")).toBe("raw \\n");
    expect(unquote('"\\u00e9\\U0001F600\\x41\\101"')).toBe("é😀AA");
    expect(unquote('"\\xc3\\xa9"')).toBe("é");
    expect(() => unquote("'\\\"'")).toThrow();
  });

  it("parses durations like model.ParseDuration", () => {
    expect(parseDurationMs("1h30m")).toBe(5400000);
    expect(parseDurationMs("1y2w3d4h5m6s7ms")).toBe(((365 + 14 + 3) * 86400 + 4 * 3600 + 5 * 60 + 6) * 1000 + 7);
    expect(parseDurationMs("0")).toBe(0);
    expect(() => parseDurationMs("5m1h")).toThrow('not a valid duration string: "5m1h"');
    expect(() => parseDurationMs("1.5m")).toThrow("not a valid duration string");
  });
});

describe("parser: AST", () => {
  it("builds selectors with matchers and the name matcher last", () => {
    const e = parseExpr('http_requests_total{job="api", code=~"5..", method!="GET", path!~"/x.*"}');
    expect(e.kind).toBe("VectorSelector");
    if (e.kind !== "VectorSelector") return;
    expect(e.matchers.map((m) => [m.type, m.name, m.value])).toEqual([
      [MatchType.EQ, "job", "api"],
      [MatchType.RE, "code", "5.."],
      [MatchType.NEQ, "method", "GET"],
      [MatchType.NRE, "path", "/x.*"],
      [MatchType.EQ, "__name__", "http_requests_total"],
    ]);
    expect(p('{__name__="up"}')).toBe('{__name__="up"}');
    expect(p("ns:metric:rate5m")).toBe("ns:metric:rate5m{}");
    expect(p('foo{on="x", by="y"}')).toBe('foo{on="x",by="y"}');
    expect(p("foo{}")).toBe("foo{}");
  });

  it("parses ranges, subqueries, offsets and @", () => {
    expect(p("foo[1h30m]")).toBe("foo{}[5400000]");
    expect(p("foo[5m] offset 1m")).toBe("foo{} offset60000[300000]");
    expect(p("foo offset -5m")).toBe("foo{} offset-300000");
    expect(p("foo @ 1609746000")).toBe("foo{} @1609746000000");
    expect(p("foo @ -1.5 offset 1s")).toBe("foo{} @-1500 offset1000");
    expect(p("foo @ 1.0005")).toBe("foo{} @1001");
    expect(p("foo[5m] @ end()")).toBe("foo{} @end()[300000]");
    expect(p("rate(foo[5m])[1h:]")).toBe("(rate(foo{}[300000]))[3600000:0]");
    expect(p("foo[10m:1m] offset 5m @ 100")).toBe("(foo{})[600000:60000] @100000 offset300000");
    expect(p("foo @ start() [5m]")).toBe("foo{} @start()[300000]");
  });

  it("binds offset, @ and ranges tighter than any operator, like 2.42", () => {
    expect(p("a + b offset 5m")).toBe("<a{} + b{} offset300000>");
    expect(p("-a offset 5m")).toBe("-[a{} offset300000]");
    // The subquery applies to b alone, so the product mixes in a range vector.
    expect(() => parseExpr("a * b[5m:1m]")).toThrow("1:5: parse error: binary expression must contain only scalar and instant vector types");
    expect(p("a + b @ 10 + c")).toBe("<<a{} + b{} @10000> + c{}>");
  });

  it("uses 2.42 operator precedence and associativity", () => {
    expect(p("a + b * c")).toBe("<a{} + <b{} * c{}>>");
    expect(p("a - b - c")).toBe("<<a{} - b{}> - c{}>");
    expect(p("a ^ b ^ c")).toBe("<a{} ^ <b{} ^ c{}>>");
    expect(p("a or b and c unless d")).toBe("<a{} or <<b{} and c{}> unless d{}>>");
    expect(p("a > b + c")).toBe("<a{} > <b{} + c{}>>");
    expect(p("a atan2 b * c")).toBe("<<a{} atan2 b{}> * c{}>");
    expect(p("-a ^ b")).toBe("-[<a{} ^ b{}>]");
    expect(p("-a * b")).toBe("<-[a{}] * b{}>");
    expect(p("-2 ^ 2")).toBe("-[<2 ^ 2>]");
    expect(p("2 ^ -1")).toBe("<2 ^ -1>");
    expect(p("a - -1")).toBe("<a{} - -1>");
    expect(p("- - a")).toBe("-[-[a{}]]");
    expect(p("+a")).toBe("+[a{}]");
    expect(p("-1")).toBe("-1");
    expect(p("(a + b) * c")).toBe("<(<a{} + b{}>) * c{}>");
  });

  it("parses binary modifiers", () => {
    expect(p("a > bool 1")).toBe("<a{} > bool 1>");
    expect(p("a / on(x, y) b")).toBe("<a{} / on(x,y) b{}>");
    expect(p("a / ignoring(x) group_left b")).toBe("<a{} / ignoring(x) group_left() b{}>");
    expect(p("a / on(x) group_right(y, z) b")).toBe("<a{} / on(x) group_right(y,z) b{}>");
    const set = parseExpr("a and b") as BinaryExpr;
    expect(set.matching?.card).toBe("many-to-many");
    const scalar = parseExpr("a + 1") as BinaryExpr;
    expect(scalar.matching).toBeNull();
  });

  it("parses aggregations with modifiers before or after and parameters", () => {
    expect(p("sum by (job) (x)")).toBe("sum by(job)(x{})");
    expect(p("sum(x) without (a, b)")).toBe("sum without(a,b)(x{})");
    expect(p("SUM(x) BY (job)")).toBe("sum by(job)(x{})");
    expect(p("topk(3, x)")).toBe("topk by()(3, x{})");
    expect(p('count_values without (instance) ("v", x)')).toBe('count_values without(instance)("v", x{})');
    expect(p("quantile(0.9, x)")).toBe("quantile by()(0.9, x{})");
    expect(p("sum by () (x)")).toBe("sum by()(x{})");
    expect(p("sum by (a,) (x)")).toBe("sum by(a)(x{})");
  });

  it("parses function calls, including 2.42-only holt_winters", () => {
    expect(p("holt_winters(x[5m], 0.5, 0.1)")).toBe("holt_winters(x{}[300000], 0.5, 0.1)");
    expect(p('label_join(x, "d", ",", "a", "b", "c")')).toBe('label_join(x{}, "d", ",", "a", "b", "c")');
    expect(p("time()")).toBe("time()");
    expect(p("round(x)")).toBe("round(x{})");
    expect(p("rate((x[5m]))")).toBe("rate((x{}[300000]))");
  });

  it("parses literals", () => {
    expect(p("0x1F + 010 + 1e3 + .5 + Inf")).toBe("<<<<31 + 8> + 1000> + 0.5> + Infinity>");
    expect(p('"a\\tb"')).toBe('"a\\tb"');
    expect(p("`raw\\n`")).toBe('"raw\\\\n"');
    expect(p("  foo  # comment\n")).toBe("foo{}");
  });
});

describe("parser: errors", () => {
  it.each(prometheusParseErrors)("%s", (query, want) => {
    if (want === null) {
      expect(() => parseExpr(query)).not.toThrow();
      return;
    }
    let err: unknown;
    try {
      parseExpr(query);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).kind).toBe("bad_data");
    expect((err as Error).message).toBe(want);
  });

  it("reports positions in UTF-8 bytes on the right line", () => {
    expect(() => parseExpr('foo{a="é"} +\n  bar baz')).toThrow('2:7: parse error: unexpected identifier "baz"');
  });

  it("rejects Prometheus 3.x-only syntax", () => {
    const bad = [
      'foo{"a.b"="x"}',
      '{"my.metric"}',
      'sum by ("a.b") (x)',
      "foo[5m+1m]",
      "foo[5]",
      "foo offset 5",
      "foo[step()]",
      "foo[5m] smoothed",
      "first_over_time(x[5m])",
      "info(x)",
      "limit_ratio(0.5, x)",
      "1_000",
      "5m",
      "foo @ 5m",
      "a </ b",
      "x * on(a) group_left fill(0) y",
    ];
    for (const q of bad) expect(() => parseExpr(q), q).toThrow(ParseError);
  });
});
