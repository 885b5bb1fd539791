// Set operations on sorted series-ref lists, and matcher → postings
// resolution with Prometheus semantics (a missing label equals "").

import type { Matcher } from "../model/matchers.js";
import { MatchType } from "../model/matchers.js";
import type { IndexReader } from "./index_reader.js";

export function intersect(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out[n++] = x;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out.subarray(0, n);
}

export function subtract(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  let j = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

export function union(lists: Uint32Array[]): Uint32Array {
  if (lists.length === 0) return new Uint32Array(0);
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Uint32Array(total);
  let o = 0;
  for (const l of lists) {
    all.set(l, o);
    o += l.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.subarray(0, n);
}

/**
 * Series refs matching every matcher. Matchers that reject "" select by the
 * values they accept; matchers that accept "" subtract the series whose value
 * they reject, so series lacking the label stay in.
 */
export async function postingsForMatchers(ix: IndexReader, ms: readonly Matcher[]): Promise<Uint32Array> {
  const positive = ms.filter((m) => !m.matchesEmpty());
  const negative = ms.filter((m) => m.matchesEmpty());
  let acc: Uint32Array | undefined;
  // Cheapest first: equality lookups read one list.
  positive.sort((a, b) => rank(a) - rank(b));
  for (const m of positive) {
    const p = m.type === MatchType.EQ ? await ix.postings(m.name, m.value) : union(await ix.postingsForValues(m.name, (v) => m.matches(v)));
    acc = acc ? intersect(acc, p) : p;
    if (acc.length === 0) return acc;
  }
  if (!acc) acc = await ix.allPostings();
  for (const m of negative) {
    const drop = union(await ix.postingsForValues(m.name, (v) => !m.matches(v)));
    acc = subtract(acc, drop);
    if (acc.length === 0) break;
  }
  return acc;
}

function rank(m: Matcher): number {
  return m.type === MatchType.EQ ? 0 : 1;
}
