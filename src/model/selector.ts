// Parser for series selectors (`metric{a="b", c=~"d"}`), the form that
// `--match` flags and the HTTP `match[]` parameter take. Full PromQL goes
// through src/promql; this small parser keeps the data tools independent of it.

import { InvalidMatcherError, Matcher, MatchType } from "./matchers.js";

export class SelectorParseError extends InvalidMatcherError {
  constructor(input: string, pos: number, what: string) {
    super(`parse error in selector ${JSON.stringify(input)} at char ${pos + 1}: ${what}`);
    this.name = "SelectorParseError";
  }
}

const identStart = /[a-zA-Z_:]/;
const identPart = /[a-zA-Z0-9_:]/;
const labelStart = /[a-zA-Z_]/;
const labelPart = /[a-zA-Z0-9_]/;

export function parseSelector(input: string): Matcher[] {
  let i = 0;
  const fail = (what: string): never => {
    throw new SelectorParseError(input, i, what);
  };
  const skipWs = (): void => {
    while (i < input.length && /\s/.test(input[i]!)) i++;
  };
  const matchers: Matcher[] = [];
  skipWs();
  if (i < input.length && identStart.test(input[i]!)) {
    const start = i;
    while (i < input.length && identPart.test(input[i]!)) i++;
    matchers.push(new Matcher(MatchType.EQ, "__name__", input.slice(start, i)));
    skipWs();
  }
  if (i < input.length && input[i] === "{") {
    i++;
    skipWs();
    while (i < input.length && input[i] !== "}") {
      let name: string;
      if (input[i] === '"' || input[i] === "'") {
        name = readString();
      } else {
        if (!labelStart.test(input[i]!)) fail(`unexpected character ${JSON.stringify(input[i])} in label matching expression`);
        const start = i;
        while (i < input.length && labelPart.test(input[i]!)) i++;
        name = input.slice(start, i);
      }
      skipWs();
      const op = readOp();
      skipWs();
      const value = readString();
      matchers.push(new Matcher(op, name, value));
      skipWs();
      if (input[i] === ",") {
        i++;
        skipWs();
      } else if (input[i] !== "}") fail("expected \",\" or \"}\"");
    }
    if (input[i] !== "}") fail("unterminated label matcher list");
    i++;
    skipWs();
  }
  if (i !== input.length) fail(`unexpected ${JSON.stringify(input.slice(i))}`);
  if (matchers.length === 0) fail("empty selector");
  if (matchers.every((m) => m.matchesEmpty())) {
    throw new InvalidMatcherError(`vector selector must contain at least one non-empty matcher: ${input}`);
  }
  return matchers;

  function readOp(): MatchType {
    const two = input.slice(i, i + 2);
    if (two === "=~") return (i += 2), MatchType.RE;
    if (two === "!~") return (i += 2), MatchType.NRE;
    if (two === "!=") return (i += 2), MatchType.NEQ;
    if (input[i] === "=") return (i += 1), MatchType.EQ;
    return fail("expected a matching operator (=, !=, =~, !~)");
  }

  function readString(): string {
    const q = input[i];
    if (q !== '"' && q !== "'" && q !== "`") return fail("expected a quoted string");
    const start = i;
    i++;
    if (q === "`") {
      const end = input.indexOf("`", i);
      if (end < 0) fail("unterminated raw string");
      const s = input.slice(i, end);
      i = end + 1;
      return s;
    }
    while (i < input.length && input[i] !== q) {
      if (input[i] === "\\") i++;
      if (input[i] === "\n") fail("newline in string");
      i++;
    }
    if (i >= input.length) {
      i = start;
      fail("unterminated quoted string");
    }
    i++;
    return unquoteGo(input.slice(start + 1, i - 1), input, start);
  }
}

/** Interprets Go escape sequences inside a quoted string body. */
export function unquoteGo(body: string, input = body, at = 0): string {
  if (!body.includes("\\")) return body;
  let out = "";
  const bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString("utf8");
    bytes.length = 0;
  };
  for (let j = 0; j < body.length; j++) {
    const c = body[j]!;
    if (c !== "\\") {
      flushBytes();
      out += c;
      continue;
    }
    const e = body[++j];
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };
    if (e !== undefined && e in simple) {
      flushBytes();
      out += simple[e];
    } else if (e === "x" || (e !== undefined && e >= "0" && e <= "7")) {
      const hex = e === "x";
      const digits = hex ? body.slice(j + 1, j + 3) : body.slice(j, j + 3);
      if (!(hex ? /^[0-9a-fA-F]{2}$/ : /^[0-7]{3}$/).test(digits)) throw new SelectorParseError(input, at + j, "invalid escape sequence");
      bytes.push(parseInt(digits, hex ? 16 : 8));
      j += hex ? 2 : 2;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const digits = body.slice(j + 1, j + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw new SelectorParseError(input, at + j, "invalid unicode escape");
      flushBytes();
      out += String.fromCodePoint(parseInt(digits, 16));
      j += n;
    } else {
      throw new SelectorParseError(input, at + j, `unknown escape sequence \\${e ?? ""}`);
    }
  }
  flushBytes();
  return out;
}
