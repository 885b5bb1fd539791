// Token-level context for syntax errors: 2.42's grammar reports errors as
// "unexpected <token> in <context>, expected <what>", and a few keywords
// change meaning with their position. lezer has no such messages, so the
// context is recovered from the 2.42 tokens before the offending one.

import type { Token } from "./lexer.js";

/** Whether the token after prev starts an operand (so a keyword there is a metric name). */
export function startsOperand(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (prev.type === "OPERATOR") return prev.val !== "@";
  return prev.type === "LEFT_PAREN" || prev.type === "COMMA" || (prev.type === "KEYWORD" && prev.val.toLowerCase() === "bool");
}

export function isOffsetOperand(toks: readonly Token[], i: number): boolean {
  const p1 = toks[i - 1];
  const p2 = toks[i - 2];
  const isOffset = (t: Token | undefined): boolean => t?.type === "KEYWORD" && t.val.toLowerCase() === "offset";
  return isOffset(p1) || (p1?.type === "OPERATOR" && p1.val === "-" && isOffset(p2));
}

const groupingKeywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

/**
 * The grammar context 2.42 names in syntax errors, derived from the tokens
 * before idx: [context, expected] or undefined for a bare "unexpected X".
 */
export function syntaxContext(toks: readonly Token[], idx: number): [string, string] | undefined {
  const prev = toks[idx - 1];
  if (!prev) return undefined;
  const kw = prev.type === "KEYWORD" ? prev.val.toLowerCase() : "";
  if (kw === "offset" || (prev.type === "OPERATOR" && prev.val === "-" && toks[idx - 2]?.type === "KEYWORD" && toks[idx - 2]!.val.toLowerCase() === "offset")) {
    return ["offset", "duration"];
  }
  if (prev.type === "OPERATOR" && prev.val === "@") return ["@", "timestamp"];
  if ((kw === "start" || kw === "end") && toks[idx - 2]?.val === "@") return ["@", "timestamp"];
  let braces = 0;
  let brackets = 0;
  for (let i = 0; i < idx; i++) {
    const t = toks[i]!.type;
    if (t === "LEFT_BRACE") braces++;
    else if (t === "RIGHT_BRACE") braces--;
    else if (t === "LEFT_BRACKET") brackets++;
    else if (t === "RIGHT_BRACKET") brackets--;
  }
  if (braces > 0) {
    if (prev.type === "LEFT_BRACE" || prev.type === "COMMA") return ["label matching", 'identifier or "}"'];
    if (prev.type === "IDENTIFIER") return ["label matching", "label matching operator"];
    if (prev.type === "EQL" || prev.type === "OPERATOR") return ["label matching", "string"];
    return ["label matching", '"," or "}"'];
  }
  if (brackets > 0) {
    if (prev.type === "LEFT_BRACKET") return ["subquery selector", "duration"];
    if (prev.type === "COLON") return ["subquery selector", 'duration or "]"'];
    if (prev.type === "DURATION" && toks[idx - 2]?.type === "COLON") return ["subquery selector", '"]"'];
    return ["subquery or range", '":" or "]"'];
  }
  if (groupingKeywords.has(kw)) return ["grouping opts", '"("'];
  // Inside the parentheses of a grouping clause?
  let depth = 0;
  for (let i = idx - 1; i >= 0; i--) {
    const t = toks[i]!;
    if (t.type === "RIGHT_PAREN") depth++;
    else if (t.type === "LEFT_PAREN") {
      if (depth > 0) {
        depth--;
        continue;
      }
      const before = toks[i - 1];
      if (before?.type === "KEYWORD" && groupingKeywords.has(before.val.toLowerCase())) {
        return prev.type === "LEFT_PAREN" || prev.type === "COMMA" ? ["grouping opts", "label"] : ["grouping opts", '"," or ")"'];
      }
      break;
    }
  }
  return undefined;
}
