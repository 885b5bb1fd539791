// The lezer-promql concrete syntax tree as plain objects, which are easier
// to pattern-match than lezer cursors.

import { parser as lezerParser } from "@prometheus-io/lezer-promql";

export interface CNode {
  name: string;
  from: number;
  to: number;
  isError: boolean;
  children: CNode[];
}

/** Parses with lezer and returns the PromQL top node. */
export function parseCst(input: string): CNode {
  const tree = lezerParser.parse(input);
  const cursor = tree.cursor();
  const build = (): CNode => {
    const node: CNode = { name: cursor.name, from: cursor.from, to: cursor.to, isError: cursor.type.isError, children: [] };
    if (cursor.firstChild()) {
      do node.children.push(build());
      while (cursor.nextSibling());
      cursor.parent();
    }
    return node;
  };
  return build();
}

/** The leftmost error node, if any. */
export function firstError(n: CNode): CNode | undefined {
  let best: CNode | undefined;
  const visit = (c: CNode): void => {
    if (c.isError && (!best || c.from < best.from)) best = c;
    for (const k of c.children) visit(k);
  };
  visit(n);
  return best;
}

export function child(n: CNode, name: string): CNode | undefined {
  return n.children.find((c) => c.name === name);
}
