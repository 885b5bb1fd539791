// A lexer with the rules of Prometheus 2.42 (promql/parser/lex.go). The lezer
// grammar tokenizes PromQL 3.x, which is more permissive (underscores in
// numbers, unit-less durations, quoted names...), so we run this first to
// reject what 2.42 rejects, with its error messages, and to describe tokens
// in "unexpected ..." errors.

export type TokenType =
  | "EOF"
  | "IDENTIFIER"
  | "METRIC_IDENTIFIER"
  | "STRING"
  | "NUMBER"
  | "DURATION"
  | "LEFT_PAREN"
  | "RIGHT_PAREN"
  | "LEFT_BRACE"
  | "RIGHT_BRACE"
  | "LEFT_BRACKET"
  | "RIGHT_BRACKET"
  | "COMMA"
  | "COLON"
  | "EQL"
  | "OPERATOR"
  | "AGGREGATOR"
  | "KEYWORD";

export interface Token {
  type: TokenType;
  /** UTF-16 offsets into the input. */
  pos: number;
  end: number;
  val: string;
}

export interface LexResult {
  tokens: Token[];
  /** The first lexer error, as 2.42 reports it; the parser stops there. */
  error?: { pos: number; message: string };
}

const operatorWords = new Set(["and", "or", "unless", "atan2"]);
const aggregatorWords = new Set(["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile"]);
const keywordWords = new Set(["offset", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "start", "end"]);

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function isAlpha(c: string): boolean {
  return c === "_" || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

function isAlphaNumeric(c: string): boolean {
  return isAlpha(c) || isDigit(c);
}

/** Go's %q for a rune. */
export function quoteRune(c: string): string {
  if (c === "'") return "'\\''";
  if (c === "\\") return "'\\\\'";
  const cp = c.codePointAt(0) ?? 0;
  const named: Record<number, string> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };
  if (named[cp]) return `'${named[cp]}'`;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, "0")}'`;
  return `'${c}'`;
}

/** Go's %#U: U+0041 'A'. */
function formatU(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")} '${c}'`;
}

const EOF = "";

class Lexer {
  pos = 0;
  start = 0;
  width = 0;
  parenDepth = 0;
  braceOpen = false;
  bracketOpen = false;
  gotColon = false;
  stringOpen = "";
  readonly tokens: Token[] = [];
  error: { pos: number; message: string } | undefined;

  constructor(readonly input: string) {}

  next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const cp = this.input.codePointAt(this.pos)!;
    const ch = String.fromCodePoint(cp);
    this.width = ch.length;
    this.pos += this.width;
    return ch;
  }

  peek(): string {
    const c = this.next();
    this.backup();
    return c;
  }

  backup(): void {
    this.pos -= this.width;
  }

  accept(valid: string): boolean {
    const c = this.next();
    if (c !== EOF && valid.includes(c)) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const c = this.next();
      if (c === EOF || !valid.includes(c)) break;
    }
    this.backup();
  }

  emit(type: TokenType): void {
    this.tokens.push({ type, pos: this.start, end: this.pos, val: this.input.slice(this.start, this.pos) });
    this.start = this.pos;
  }

  ignore(): void {
    this.start = this.pos;
  }

  /** Records the first error; lexing stops, as the 2.42 parser stops at an error item. */
  fail(message: string): false {
    this.error ??= { pos: this.start, message };
    return false;
  }

  run(): void {
    for (;;) {
      const ok = this.braceOpen ? this.lexInsideBraces() : this.lexStatements();
      if (!ok || this.error) return;
      const last = this.tokens[this.tokens.length - 1];
      if (last?.type === "EOF") return;
    }
  }

  lexStatements(): boolean {
    if (this.input.startsWith("#", this.pos)) return this.lexLineComment();
    const r = this.next();
    if (r === EOF) {
      if (this.parenDepth !== 0) return this.fail("unclosed left parenthesis");
      if (this.bracketOpen) return this.fail("unclosed left bracket");
      this.emit("EOF");
      return true;
    }
    switch (r) {
      case ",":
        this.emit("COMMA");
        return true;
      case "*":
      case "/":
      case "%":
      case "+":
      case "-":
      case "^":
        this.emit("OPERATOR");
        return true;
      case "=": {
        const t = this.peek();
        if (t === "=") {
          this.next();
          this.emit("OPERATOR");
        } else if (t === "~") {
          return this.fail(`unexpected character after '=': ${quoteRune(t)}`);
        } else {
          this.emit("EQL");
        }
        return true;
      }
      case "!": {
        const t = this.next();
        if (t === "=") {
          this.emit("OPERATOR");
          return true;
        }
        return this.fail(`unexpected character after '!': ${quoteRune(t === EOF ? "\u{fffd}" : t)}`);
      }
      case "<":
      case ">":
        if (this.peek() === "=") this.next();
        this.emit("OPERATOR");
        return true;
      case '"':
      case "'":
        this.stringOpen = r;
        return this.lexString();
      case "`":
        this.stringOpen = r;
        return this.lexRawString();
      case "(":
        this.emit("LEFT_PAREN");
        this.parenDepth++;
        return true;
      case ")":
        this.emit("RIGHT_PAREN");
        this.parenDepth--;
        if (this.parenDepth < 0) return this.fail(`unexpected right parenthesis ${quoteRune(r)}`);
        return true;
      case "{":
        this.emit("LEFT_BRACE");
        this.braceOpen = true;
        return true;
      case "[":
        if (this.bracketOpen) return this.fail(`unexpected left bracket ${quoteRune(r)}`);
        this.gotColon = false;
        this.emit("LEFT_BRACKET");
        while (isSpace(this.peek())) this.next();
        this.ignore();
        this.bracketOpen = true;
        return this.lexDuration();
      case "]":
        if (!this.bracketOpen) return this.fail(`unexpected right bracket ${quoteRune(r)}`);
        this.emit("RIGHT_BRACKET");
        this.bracketOpen = false;
        return true;
      case "@":
        this.emit("OPERATOR");
        return true;
    }
    if (isSpace(r)) return this.lexSpace();
    if (isDigit(r) || (r === "." && isDigit(this.peek()))) {
      this.backup();
      return this.lexNumberOrDuration();
    }
    if (isAlpha(r) || r === ":") {
      if (!this.bracketOpen) {
        this.backup();
        return this.lexKeywordOrIdentifier();
      }
      // Inside brackets 2.42 emits any letter or colon as the subquery colon.
      if (this.gotColon) return this.fail(`unexpected colon ${quoteRune(r)}`);
      this.emit("COLON");
      this.gotColon = true;
      return true;
    }
    return this.fail(`unexpected character: ${quoteRune(r)}`);
  }

  lexInsideBraces(): boolean {
    if (this.input.startsWith("#", this.pos)) return this.lexLineComment();
    const r = this.next();
    if (r === EOF) return this.fail("unexpected end of input inside braces");
    if (isSpace(r)) return this.lexSpace();
    if (isAlpha(r)) {
      while (isAlphaNumeric(this.next()));
      this.backup();
      this.emit("IDENTIFIER");
      return true;
    }
    switch (r) {
      case ",":
        this.emit("COMMA");
        return true;
      case '"':
      case "'":
        this.stringOpen = r;
        return this.lexString();
      case "`":
        this.stringOpen = r;
        return this.lexRawString();
      case "=":
        if (this.next() === "~") {
          this.emit("OPERATOR");
          return true;
        }
        this.backup();
        this.emit("EQL");
        return true;
      case "!": {
        const nr = this.next();
        if (nr === "~" || nr === "=") {
          this.emit("OPERATOR");
          return true;
        }
        return this.fail(`unexpected character after '!' inside braces: ${quoteRune(nr)}`);
      }
      case "{":
        return this.fail(`unexpected left brace ${quoteRune(r)}`);
      case "}":
        this.emit("RIGHT_BRACE");
        this.braceOpen = false;
        return true;
    }
    return this.fail(`unexpected character inside braces: ${quoteRune(r)}`);
  }

  lexString(): boolean {
    for (;;) {
      const c = this.next();
      if (c === "\\") {
        if (!this.lexEscape()) return false;
        continue;
      }
      if (c === EOF || c === "\n") return this.fail("unterminated quoted string");
      if (c === this.stringOpen) break;
    }
    this.emit("STRING");
    return true;
  }

  lexEscape(): boolean {
    let ch = this.next();
    let n: number;
    let base: number;
    let max: number;
    if ("abfnrtv\\".includes(ch) && ch !== EOF) return true;
    if (ch === this.stringOpen) return true;
    if (ch >= "0" && ch <= "7" && ch.length === 1) {
      [n, base, max] = [3, 8, 255];
    } else if (ch === "x") {
      ch = this.next();
      [n, base, max] = [2, 16, 255];
    } else if (ch === "u") {
      ch = this.next();
      [n, base, max] = [4, 16, 0x10ffff];
    } else if (ch === "U") {
      ch = this.next();
      [n, base, max] = [8, 16, 0x10ffff];
    } else if (ch === EOF) {
      return this.fail("escape sequence not terminated");
    } else {
      return this.fail(`unknown escape sequence ${formatU(ch)}`);
    }
    let x = 0;
    while (n > 0) {
      const d = ch.length === 1 ? parseInt(ch, 16) : NaN;
      if (Number.isNaN(d) || d >= base) {
        if (ch === EOF) return this.fail("escape sequence not terminated");
        return this.fail(`illegal character ${formatU(ch)} in escape sequence`);
      }
      x = x * base + d;
      n--;
      if (n > 0) ch = this.next();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return this.fail("escape sequence is an invalid Unicode code point");
    return true;
  }

  lexRawString(): boolean {
    for (;;) {
      const c = this.next();
      if (c === EOF) return this.fail("unterminated raw string");
      if (c === this.stringOpen) break;
    }
    this.emit("STRING");
    return true;
  }

  lexSpace(): boolean {
    while (isSpace(this.peek())) this.next();
    this.ignore();
    return true;
  }

  lexLineComment(): boolean {
    this.pos += 1;
    for (;;) {
      const r = this.next();
      if (r === EOF || r === "\n" || r === "\r") break;
    }
    this.backup();
    this.ignore();
    return true;
  }

  lexDuration(): boolean {
    if (this.scanNumber()) return this.fail("missing unit character in duration");
    if (!this.acceptRemainingDuration()) return this.fail(`bad duration syntax: ${JSON.stringify(this.input.slice(this.start, this.pos))}`);
    this.backup();
    this.emit("DURATION");
    return true;
  }

  lexNumberOrDuration(): boolean {
    if (this.scanNumber()) {
      this.emit("NUMBER");
      return true;
    }
    if (this.acceptRemainingDuration()) {
      this.backup();
      this.emit("DURATION");
      return true;
    }
    return this.fail(`bad number or duration syntax: ${JSON.stringify(this.input.slice(this.start, this.pos))}`);
  }

  acceptRemainingDuration(): boolean {
    if (!this.accept("smhdwy")) return false;
    this.accept("s");
    while (this.accept("0123456789")) {
      while (this.accept("0123456789"));
      if (!this.accept("smhdw")) return false;
      this.accept("s");
    }
    const c = this.next();
    return c === EOF || !isAlphaNumeric(c);
  }

  scanNumber(): boolean {
    let digits = "0123456789";
    if (this.accept("0") && this.accept("xX")) digits = "0123456789abcdefABCDEF";
    this.acceptRun(digits);
    if (this.accept(".")) this.acceptRun(digits);
    if (this.accept("eE")) {
      this.accept("+-");
      this.acceptRun("0123456789");
    }
    const r = this.peek();
    return r === EOF || !isAlphaNumeric(r);
  }

  lexKeywordOrIdentifier(): boolean {
    for (;;) {
      const r = this.next();
      if (r !== EOF && (isAlphaNumeric(r) || r === ":")) continue;
      this.backup();
      break;
    }
    const word = this.input.slice(this.start, this.pos);
    const lower = word.toLowerCase();
    if (lower === "inf" || lower === "nan") this.emit("NUMBER");
    else if (operatorWords.has(lower)) this.emit("OPERATOR");
    else if (aggregatorWords.has(lower)) this.emit("AGGREGATOR");
    else if (keywordWords.has(lower)) this.emit("KEYWORD");
    else if (!word.includes(":")) this.emit("IDENTIFIER");
    else this.emit("METRIC_IDENTIFIER");
    return true;
  }
}

export function lex(input: string): LexResult {
  const l = new Lexer(input);
  l.run();
  return l.error ? { tokens: l.tokens, error: l.error } : { tokens: l.tokens };
}

/** Item.desc() of 2.42, used in "unexpected <desc>" errors. */
export function describeToken(t: Token): string {
  switch (t.type) {
    case "EOF":
      return "end of input";
    case "IDENTIFIER":
      return `identifier ${JSON.stringify(t.val)}`;
    case "METRIC_IDENTIFIER":
      return `metric identifier ${JSON.stringify(t.val)}`;
    case "STRING":
      return `string ${quoteShort(t.val)}`;
    case "NUMBER":
      return `number ${quoteShort(t.val)}`;
    case "DURATION":
      return `duration ${quoteShort(t.val)}`;
    case "OPERATOR":
      return `<op:${t.val}>`;
    case "AGGREGATOR":
      return `<aggr:${t.val}>`;
    case "KEYWORD":
      return `<${t.val}>`;
    default:
      return JSON.stringify(t.val);
  }
}

/** Go's %q, shortened to 10 characters like Item.String(). */
function quoteShort(s: string): string {
  return s.length > 10 ? `${JSON.stringify(s.slice(0, 10))}...` : JSON.stringify(s);
}
