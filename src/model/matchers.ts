// Label matchers with Prometheus semantics: a missing label has the value "",
// and regexes are RE2, fully anchored. re2js gives linear-time RE2 matching,
// so hostile patterns cannot blow up, and it agrees with Go on syntax that
// JavaScript RegExp accepts differently (lookarounds, \z, POSIX classes...).

import { RE2JS } from "re2js";
import type { Labels } from "./labels.js";
import { getLabel } from "./labels.js";

export const MatchType = { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } as const;
export type MatchType = (typeof MatchType)[keyof typeof MatchType];

export const matchTypeSymbol: Record<MatchType, string> = { 0: "=", 1: "!=", 2: "=~", 3: "!~" };

export class InvalidMatcherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidMatcherError";
  }
}

export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  private readonly re: RE2JS | undefined;
  /** For alternations of literals (a|b|c) we skip the regex engine. */
  private readonly set: Set<string> | undefined;

  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    if (type === MatchType.RE || type === MatchType.NRE) {
      this.set = literalAlternation(value);
      if (!this.set) {
        try {
          this.re = RE2JS.compile("^(?:" + value + ")$");
        } catch (e) {
          throw new InvalidMatcherError(`invalid regular expression ${JSON.stringify(value)} for label ${JSON.stringify(name)}: ${(e as Error).message}`);
        }
      }
    }
  }

  matches(v: string): boolean {
    switch (this.type) {
      case MatchType.EQ:
        return v === this.value;
      case MatchType.NEQ:
        return v !== this.value;
      case MatchType.RE:
        return this.regexMatch(v);
      case MatchType.NRE:
        return !this.regexMatch(v);
    }
  }

  /** The finite set of values an EQ matcher or a literal alternation (a|b|c) accepts, if it is one. */
  literals(): string[] | undefined {
    if (this.type === MatchType.EQ) return [this.value];
    if (this.type === MatchType.RE && this.set) return [...this.set];
    return undefined;
  }

  /** True when the matcher accepts the empty string, i.e. series lacking the label. */
  matchesEmpty(): boolean {
    return this.matches("");
  }

  toString(): string {
    return `${this.name}${matchTypeSymbol[this.type]}${JSON.stringify(this.value)}`;
  }

  private regexMatch(v: string): boolean {
    if (this.set) return this.set.has(v);
    return this.re!.matches(v);
  }
}

const meta = /[\\.+*?()|[\]{}^$]/;

function literalAlternation(re: string): Set<string> | undefined {
  const parts = re.split("|");
  for (const p of parts) if (meta.test(p)) return undefined;
  return new Set(parts);
}

export function matchLabels(ms: readonly Matcher[], ls: Labels): boolean {
  for (const m of ms) if (!m.matches(getLabel(ls, m.name))) return false;
  return true;
}
