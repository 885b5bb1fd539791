// StoreAPI conformance, Series: Prometheus matcher semantics (empty = absent,
// anchored RE2), external labels, without_replica_labels, inclusive time
// edges and whole chunks, skip_chunks, limit and response_batch_size. Every
// expectation is computed from the designed series (design.ts) by a plain
// loop with hand-written predicates; every answer must be labels.Compare
// sorted and free of duplicates, and its chunks must decode to exactly the
// designed samples.

import { describe, expect, it } from "vitest";
import { LabelMatcher_Type as MT, type LabelMatcher, type Series } from "../../src/api/grpc/gen/store/storepb/types.js";
import type { Init } from "../../src/api/grpc/wire.js";
import type { SeriesRequest } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { discoverUnits } from "../../src/store/discovery.js";
import type { BucketKind } from "../helpers/buckets.js";
import { designOf, expectedSeries, LONG_E, LONG_X, T0, type DesignSeries, type LabelPairs, type Pred } from "./design.js";
import { callSeries, decodeChunks, expectSortedUnique, pairsOf, useConformance, type Layout, type DecodedChunk } from "./harness.js";

const MINT = 0;
const MAXT = 253402300799000; // 9999-12-31T23:59:59Z, as the upstream suite uses
const MIN = 60_000;
const H = 60 * MIN;

type M = Init<LabelMatcher>;
const eq = (name: string, value: string): M => ({ type: MT.EQ, name, value });
const neq = (name: string, value: string): M => ({ type: MT.NEQ, name, value });
const re = (name: string, value: string): M => ({ type: MT.RE, name, value });
const nre = (name: string, value: string): M => ({ type: MT.NRE, name, value });

const isIn =
  (name: string, ...vs: string[]): Pred =>
  (g) =>
    vs.includes(g(name));
const notIn =
  (name: string, ...vs: string[]): Pred =>
  (g) =>
    !vs.includes(g(name));
const and =
  (...ps: Pred[]): Pred =>
  (g) =>
    ps.every((p) => p(g));
const ALL: Pred = () => true;
const NONE: Pred = () => false;

interface Case {
  name: string;
  m: M[];
  pred: Pred;
}

// Values of `i` (absent on most series): a b a.b a+b axb aab A ünïcödé 日本 𝔘 ｚ.
// Values of `n`: 1 2 2.5 10 9 ٣ 3 4 5 6 7 8 only_b (absent on non-`conf` series).
const MATCHER_CASES: Case[] = [
  // Empty value ≡ absent label.
  { name: 'i=""', m: [eq("i", "")], pred: isIn("i", "") },
  { name: 'i!=""', m: [neq("i", "")], pred: notIn("i", "") },
  { name: 'i=~""', m: [re("i", "")], pred: isIn("i", "") },
  { name: 'i!~""', m: [nre("i", "")], pred: notIn("i", "") },
  { name: 'i=~".*"', m: [re("i", ".*")], pred: ALL },
  { name: 'i=~".+"', m: [re("i", ".+")], pred: notIn("i", "") },
  { name: 'i!~".*"', m: [nre("i", ".*")], pred: NONE },
  { name: 'i!~".+"', m: [nre("i", ".+")], pred: isIn("i", "") },
  { name: 'missing=""', m: [eq("missing", "")], pred: ALL },
  { name: 'missing!=""', m: [neq("missing", "")], pred: NONE },
  { name: 'missing=~".*"', m: [re("missing", ".*")], pred: ALL },
  { name: 'missing=~".+"', m: [re("missing", ".+")], pred: NONE },
  { name: 'missing!~".+"', m: [nre("missing", ".+")], pred: ALL },
  { name: 'missing="x"', m: [eq("missing", "x")], pred: NONE },
  { name: 'missing!="x"', m: [neq("missing", "x")], pred: ALL },
  // n="4" was written with i="": stored without it.
  { name: 'n="4",i=""', m: [eq("n", "4"), eq("i", "")], pred: isIn("n", "4") },
  { name: 'n="4",i!=""', m: [eq("n", "4"), neq("i", "")], pred: NONE },
  // EQ / NEQ / RE / NRE, present and absent.
  { name: 'n="1"', m: [eq("n", "1")], pred: isIn("n", "1") },
  { name: 'n!="1"', m: [neq("n", "1")], pred: notIn("n", "1") },
  { name: 'n="1",i="a"', m: [eq("n", "1"), eq("i", "a")], pred: and(isIn("n", "1"), isIn("i", "a")) },
  { name: 'n="1",i="missing"', m: [eq("n", "1"), eq("i", "missing")], pred: NONE },
  { name: 'n="1",i!="a"', m: [eq("n", "1"), neq("i", "a")], pred: and(isIn("n", "1"), notIn("i", "a")) },
  { name: 'n=~"^1$"', m: [re("n", "^1$")], pred: isIn("n", "1") },
  { name: 'n!~"^1$"', m: [nre("n", "^1$")], pred: notIn("n", "1") },
  { name: 'n!~"1" (anchored)', m: [nre("n", "1")], pred: notIn("n", "1") },
  { name: 'n=~"1" (anchored, not "10")', m: [re("n", "1")], pred: isIn("n", "1") },
  { name: 'n=~"1.*"', m: [re("n", "1.*")], pred: isIn("n", "1", "10") },
  { name: 'n!~"1|2.5"', m: [nre("n", "1|2.5")], pred: notIn("n", "1", "2.5") },
  { name: 'n!~"(1|2.5)"', m: [nre("n", "(1|2.5)")], pred: notIn("n", "1", "2.5") },
  { name: 'n=~"(1|2)"', m: [re("n", "(1|2)")], pred: isIn("n", "1", "2") },
  { name: 'n=~"x1|2"', m: [re("n", "x1|2")], pred: isIn("n", "2") },
  { name: 'n=~"2|2\\.5"', m: [re("n", "2|2\\.5")], pred: isIn("n", "2", "2.5") },
  { name: 'n=~"2|2.5|25"', m: [re("n", "2|2.5|25")], pred: isIn("n", "2", "2.5") },
  // Several matchers on one label.
  { name: 'n="1",i!="",i="a"', m: [eq("n", "1"), neq("i", ""), eq("i", "a")], pred: and(isIn("n", "1"), isIn("i", "a")) },
  {
    name: 'n="1",i!="b",i=~"^(b|a).*$"',
    m: [eq("n", "1"), neq("i", "b"), re("i", "^(b|a).*$")],
    pred: and(isIn("n", "1"), isIn("i", "a", "a.b", "a+b", "axb", "aab")),
  },
  { name: 'i=~"a.*",i!~".*b"', m: [re("i", "a.*"), nre("i", ".*b")], pred: isIn("i", "a") },
  { name: 'n=~"1|2",n!="2"', m: [re("n", "1|2"), neq("n", "2")], pred: isIn("n", "1") },
  { name: 'n="1",i=~"^a?$"', m: [eq("n", "1"), re("i", "^a?$")], pred: and(isIn("n", "1"), isIn("i", "", "a")) },
  { name: 'n="1",i!~"^a?$"', m: [eq("n", "1"), nre("i", "^a?$")], pred: and(isIn("n", "1"), notIn("i", "", "a")) },
  { name: 'n="1",i=~"^$"', m: [eq("n", "1"), re("i", "^$")], pred: and(isIn("n", "1"), isIn("i", "")) },
  { name: 'n="1",i!~"^$"', m: [eq("n", "1"), nre("i", "^$")], pred: and(isIn("n", "1"), notIn("i", "")) },
  { name: 'n="1",i=~"^.*$"', m: [eq("n", "1"), re("i", "^.*$")], pred: isIn("n", "1") },
  { name: 'n="1",i!~"^.*$"', m: [eq("n", "1"), nre("i", "^.*$")], pred: NONE },
  { name: 'n="1",i=~"^.+$"', m: [eq("n", "1"), re("i", "^.+$")], pred: and(isIn("n", "1"), notIn("i", "")) },
  { name: 'n="1",i!~"^.+$"', m: [eq("n", "1"), nre("i", "^.+$")], pred: and(isIn("n", "1"), isIn("i", "")) },
  // Alternations, empty branches.
  { name: 'i=~"a|b"', m: [re("i", "a|b")], pred: isIn("i", "a", "b") },
  { name: 'i=~"(a|b)"', m: [re("i", "(a|b)")], pred: isIn("i", "a", "b") },
  { name: 'i=~"a|"', m: [re("i", "a|")], pred: isIn("i", "a", "") },
  { name: 'i!~"a|"', m: [nre("i", "a|")], pred: notIn("i", "a", "") },
  { name: 'i=~"c||d"', m: [re("i", "c||d")], pred: isIn("i", "") },
  { name: 'i=~"(c||d)"', m: [re("i", "(c||d)")], pred: isIn("i", "") },
  // Escaped metacharacters vs their meaning.
  { name: 'i=~"a\\.b"', m: [re("i", "a\\.b")], pred: isIn("i", "a.b") },
  { name: 'i=~"a.b"', m: [re("i", "a.b")], pred: isIn("i", "a.b", "a+b", "axb", "aab") },
  { name: 'i=~"a\\+b"', m: [re("i", "a\\+b")], pred: isIn("i", "a+b") },
  { name: 'i=~"a+b"', m: [re("i", "a+b")], pred: isIn("i", "aab") },
  { name: 'i="a+b"', m: [eq("i", "a+b")], pred: isIn("i", "a+b") },
  { name: 'i=~"a[.+]b"', m: [re("i", "a[.+]b")], pred: isIn("i", "a.b", "a+b") },
  // Character classes and case folding.
  { name: 'i=~"[ab]"', m: [re("i", "[ab]")], pred: isIn("i", "a", "b") },
  { name: 'i=~"[^ab]" (one code point)', m: [re("i", "[^ab]")], pred: isIn("i", "A", "𝔘", "ｚ") },
  { name: 'i=~"." (one code point, not one UTF-16 unit)', m: [re("i", ".")], pred: isIn("i", "a", "b", "A", "𝔘", "ｚ") },
  { name: 'i=~".." (two code points)', m: [re("i", "..")], pred: isIn("i", "日本") },
  { name: 'i=~"(?i)a"', m: [re("i", "(?i)a")], pred: isIn("i", "a", "A") },
  { name: 'i=~"(?i)ÜNÏCÖDÉ"', m: [re("i", "(?i)ÜNÏCÖDÉ")], pred: isIn("i", "ünïcödé") },
  { name: 'i=~"A" (case-sensitive)', m: [re("i", "A")], pred: isIn("i", "A") },
  // RE2 vs JavaScript RegExp.
  { name: 'i=~"a\\z" (RE2 end of text)', m: [re("i", "a\\z")], pred: isIn("i", "a") },
  { name: 'i=~"[[:alpha:]]+" (POSIX class, ASCII)', m: [re("i", "[[:alpha:]]+")], pred: isIn("i", "a", "b", "axb", "aab", "A") },
  { name: 'i=~"\\pL+"', m: [re("i", "\\pL+")], pred: isIn("i", "a", "b", "axb", "aab", "A", "ünïcödé", "日本", "𝔘", "ｚ") },
  { name: 'i=~"\\p{Han}+"', m: [re("i", "\\p{Han}+")], pred: isIn("i", "日本") },
  { name: 'n=~"\\d+" (ASCII digits only)', m: [re("n", "\\d+")], pred: isIn("n", "1", "2", "10", "9", "3", "4", "5", "6", "7", "8") },
  { name: 'n=~"[[:digit:]]+"', m: [re("n", "[[:digit:]]+")], pred: isIn("n", "1", "2", "10", "9", "3", "4", "5", "6", "7", "8") },
  { name: 'n=~"\\pN+"', m: [re("n", "\\pN+")], pred: isIn("n", "1", "2", "10", "9", "٣", "3", "4", "5", "6", "7", "8") },
  { name: 'n=~"\\p{Nd}"', m: [re("n", "\\p{Nd}")], pred: isIn("n", "1", "2", "9", "٣", "3", "4", "5", "6", "7", "8") },
  { name: 'n=~"\\D+"', m: [re("n", "\\D+")], pred: isIn("n", "٣", "only_b") },
  // `.` does not match a newline (Prometheus 2.42 compiles ^(?:re)$ without s).
  { name: 'nl=~"line1.line2"', m: [re("nl", "line1.line2")], pred: NONE },
  { name: 'nl=~"line1\\nline2"', m: [re("nl", "line1\\nline2")], pred: isIn("nl", "line1\nline2") },
  { name: 'nl=~".+"', m: [re("nl", ".+")], pred: NONE },
  { name: 'nl=~".*"', m: [re("nl", ".*")], pred: isIn("nl", "") },
  { name: 'nl!~".*"', m: [nre("nl", ".*")], pred: isIn("nl", "line1\nline2") },
  { name: 'nl=~"(?s).+"', m: [re("nl", "(?s).+")], pred: isIn("nl", "line1\nline2") },
  { name: 'nl="line1\\nline2"', m: [eq("nl", "line1\nline2")], pred: isIn("nl", "line1\nline2") },
  // Quotes and backslashes are plain bytes.
  { name: "quote= with quotes and backslash", m: [eq("quote", 'say "hi" \\ back')], pred: isIn("quote", 'say "hi" \\ back') },
  { name: "quote=~ escaped backslash", m: [re("quote", 'say "hi" \\\\ back')], pred: isIn("quote", 'say "hi" \\ back') },
  // Values longer than the Parquet page-bound truncation.
  { name: "long= (200 x + a)", m: [eq("long", LONG_X + "a")], pred: isIn("long", LONG_X + "a") },
  { name: 'long=~"x+b"', m: [re("long", "x+b")], pred: isIn("long", LONG_X + "b") },
  { name: 'long=~"x{200}[ab]"', m: [re("long", "x{200}[ab]")], pred: isIn("long", LONG_X + "a", LONG_X + "b") },
  { name: "long= (100 é)", m: [eq("long", LONG_E)], pred: isIn("long", LONG_E) },
  { name: "long= (100 é + z)", m: [eq("long", LONG_E + "z")], pred: isIn("long", LONG_E + "z") },
  { name: 'long=~"(?i)É+Z"', m: [re("long", "(?i)É+Z")], pred: isIn("long", LONG_E + "z") },
  { name: 'long!~"x.*",long!=""', m: [nre("long", "x.*"), neq("long", "")], pred: isIn("long", LONG_E, LONG_E + "z") },
  // Upper-case label name (sorts before __name__), unicode equality.
  { name: 'Zed="z"', m: [eq("Zed", "z")], pred: isIn("Zed", "z") },
  { name: 'i="日本"', m: [eq("i", "日本")], pred: isIn("i", "日本") },
  { name: 'i="𝔘"', m: [eq("i", "𝔘")], pred: isIn("i", "𝔘") },
  // __name__.
  { name: '__name__="conf"', m: [eq("__name__", "conf")], pred: isIn("__name__", "conf") },
  { name: '__name__=~"conf|flip"', m: [re("__name__", "conf|flip")], pred: isIn("__name__", "conf", "flip") },
  { name: '__name__!="conf"', m: [neq("__name__", "conf")], pred: notIn("__name__", "conf") },
  { name: '__name__=~"s.*",k="1"', m: [re("__name__", "s.*"), eq("k", "1")], pred: and(isIn("__name__", "shadow")) },
  { name: '__name__="nope"', m: [eq("__name__", "nope")], pred: NONE },
  { name: '__name__=~"conf" (one literal)', m: [re("__name__", "conf")], pred: isIn("__name__", "conf") },
  { name: '__name__=~"nope"', m: [re("__name__", "nope")], pred: NONE },
  { name: '__name__=~"(?i)CONF"', m: [re("__name__", "(?i)CONF")], pred: isIn("__name__", "conf") },
  { name: '__name__=""', m: [eq("__name__", "")], pred: NONE },
  { name: '__name__!=""', m: [neq("__name__", "")], pred: ALL },
];

// Matchers on external label names are checked against the stream's external
// labels (which override a stored label of the same name).
const EXTERNAL_CASES: Case[] = [
  { name: 'region="eu",__name__="conf"', m: [eq("region", "eu"), eq("__name__", "conf")], pred: and(isIn("region", "eu"), isIn("__name__", "conf")) },
  { name: 'region="us",n="1"', m: [eq("region", "us"), eq("n", "1")], pred: and(isIn("region", "us"), isIn("n", "1")) },
  { name: 'region="different",n="1"', m: [eq("region", "different"), eq("n", "1")], pred: NONE },
  { name: 'region="stored" (stored label overridden)', m: [eq("region", "stored"), eq("__name__", "shadow")], pred: NONE },
  { name: 'region="us",__name__="shadow"', m: [eq("region", "us"), eq("__name__", "shadow")], pred: isIn("__name__", "shadow") },
  { name: 'region=~".*",__name__="conf"', m: [re("region", ".*"), eq("__name__", "conf")], pred: isIn("__name__", "conf") },
  { name: 'region=~".+",__name__=~".+"', m: [re("region", ".+"), re("__name__", ".+")], pred: ALL },
  { name: 'region!="eu",__name__=~".+"', m: [neq("region", "eu"), re("__name__", ".+")], pred: isIn("region", "us") },
  { name: 'region=~"eu|us",replica="a",n="2"', m: [re("region", "eu|us"), eq("replica", "a"), eq("n", "2")], pred: and(isIn("replica", "a"), isIn("n", "2")) },
  { name: 'replica="stored" (stored label where not external)', m: [eq("replica", "stored"), eq("__name__", "shadow")], pred: isIn("__name__", "shadow") },
  { name: 'replica="",__name__=~".+"', m: [eq("replica", ""), re("__name__", ".+")], pred: isIn("replica", "") },
  { name: 'replica=~"a|stored",k="1"', m: [re("replica", "a|stored"), eq("k", "1")], pred: and(isIn("replica", "a", "stored"), isIn("k", "1")) },
  { name: 'replica!="a",__name__="flip"', m: [neq("replica", "a"), eq("__name__", "flip")], pred: and(notIn("replica", "a"), isIn("__name__", "flip")) },
];

/** Every chunk valid, time-ordered, and all chunks together exactly the designed samples (replicas deduplicated). */
function expectDesignedChunks(series: Series[], drop: string[], pred?: Pred): void {
  for (const s of series) {
    const design = designOf(pairsOf(s), drop, pred);
    expect(design.length, JSON.stringify(pairsOf(s))).toBeGreaterThan(0);
    const want = new Map<string, [number, number]>();
    for (const d of design) for (const p of d.samples) want.set(`${p[0]}/${p[1]}`, p);
    const chunks = decodeChunks(s);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.minTime).toBeGreaterThanOrEqual(chunks[i - 1]!.minTime);
    const got = chunks.flatMap((c) => c.samples).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const exp = [...want.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(got, JSON.stringify(pairsOf(s))).toEqual(exp);
  }
}

const conf = useConformance();

// The sharded layout (several shards and row groups per unit) exercises the
// read path's merging; object-store kind does not change it, so FILESYSTEM only.
describe.each<[BucketKind, Layout]>([
  ["FILESYSTEM", "default"],
  ["FILESYSTEM", "sharded"],
  ["S3", "default"],
])("StoreAPI Series conformance (%s, %s layout)", (kind, layout) => {
  const env = conf.useKind(kind, layout);

  it("the layout is what it says: several shards per unit when sharded", async () => {
    const { units } = await discoverUnits(env().objstore);
    const most = Math.max(...units.map((u) => u.meta.shards.length));
    if (layout === "sharded") expect(most).toBeGreaterThan(1);
    else expect(most).toBe(1);
  });

  const run = async (req: Init<SeriesRequest>): Promise<Series[]> => {
    const r = await callSeries(env().client, req);
    expect(r.warnings).toEqual([]);
    expectSortedUnique(r.series);
    return r.series;
  };

  for (const drop of [[], ["replica"]]) {
    const mode = drop.length ? "without_replica_labels=[replica]" : "with replica labels";
    describe(`matchers, ${mode}`, () => {
      it.each(MATCHER_CASES)("$name", async (c) => {
        const got = await run({ minTime: MINT, maxTime: MAXT, matchers: c.m, withoutReplicaLabels: drop });
        expect(got.map(pairsOf)).toEqual(expectedSeries({ pred: c.pred, drop }));
        expectDesignedChunks(got, drop, c.pred);
      });
    });
    describe(`external labels, ${mode}`, () => {
      it.each(EXTERNAL_CASES)("$name", async (c) => {
        const got = await run({ minTime: MINT, maxTime: MAXT, matchers: c.m, withoutReplicaLabels: drop });
        expect(got.map(pairsOf)).toEqual(expectedSeries({ pred: c.pred, drop }));
        expectDesignedChunks(got, drop, c.pred);
      });
    });
  }

  it("matcher cases are not vacuous: most select something, and not everything", () => {
    const n = expectedSeries({ pred: ALL }).length;
    const sizes = MATCHER_CASES.map((c) => expectedSeries({ pred: c.pred }).length);
    expect(sizes.filter((s) => s > 0 && s < n).length).toBeGreaterThan(MATCHER_CASES.length * 0.7);
  });

  describe("without_replica_labels", () => {
    const all = [re("__name__", ".+")];

    it("removes the label, merges the replicas and sorts by the stripped labels", async () => {
      const withReplica = await run({ minTime: MINT, maxTime: MAXT, matchers: all });
      const stripped = await run({ minTime: MINT, maxTime: MAXT, matchers: all, withoutReplicaLabels: ["replica"] });
      expect(stripped.map(pairsOf)).toEqual(expectedSeries({ pred: ALL, drop: ["replica"] }));
      for (const s of stripped) expect(s.labels.map((l) => l.name)).not.toContain("replica");
      // 21 conf series exist in both replicas, flip/diff too: far fewer series once merged.
      expect(stripped.length).toBeLessThan(withReplica.length - 20);
      // flip: with the replica, A's {rz="1"} sorts first; stripped, B's bare one does.
      const flips = (ss: Series[]): LabelPairs[] => ss.map(pairsOf).filter((p) => p.some(([n, v]) => n === "__name__" && v === "flip"));
      expect(flips(withReplica)).toEqual([
        [["__name__", "flip"], ["region", "eu"], ["replica", "a"], ["rz", "1"]],
        [["__name__", "flip"], ["region", "eu"], ["replica", "b"]],
      ]);
      expect(flips(stripped)).toEqual([
        [["__name__", "flip"], ["region", "eu"]],
        [["__name__", "flip"], ["region", "eu"], ["rz", "1"]],
      ]);
      expectDesignedChunks(stripped, ["replica"]);
    });

    it("identical replica chunks are sent once; differing ones are all sent, in time order", async () => {
      const got = await run({ minTime: MINT, maxTime: MAXT, matchers: [re("__name__", "conf|diff"), eq("n", "2")], withoutReplicaLabels: ["replica"] });
      expect(got.map(pairsOf)).toEqual([[["__name__", "conf"], ["n", "2"], ["region", "eu"]]]);
      expect(got[0]!.chunks).toHaveLength(1);
      const diff = await run({ minTime: MINT, maxTime: MAXT, matchers: [eq("__name__", "diff")], withoutReplicaLabels: ["replica"] });
      expect(diff.map(pairsOf)).toEqual([[["__name__", "diff"], ["k", "1"], ["region", "eu"]]]);
      const chunks = decodeChunks(diff[0]!);
      expect(chunks.map((c) => c.minTime)).toEqual([T0, T0 + 30_000]);
      expectDesignedChunks(diff, ["replica"]);
    });

    it("several names: region and replica removed, eu and us streams merge", async () => {
      const drop = ["replica", "region"];
      const got = await run({ minTime: MINT, maxTime: MAXT, matchers: [eq("__name__", "conf"), eq("n", "1")], withoutReplicaLabels: drop });
      expect(got.map(pairsOf)).toEqual(expectedSeries({ pred: and(isIn("__name__", "conf"), isIn("n", "1")), drop }));
      const bare = got.find((s) => s.labels.length === 2)!;
      expect(pairsOf(bare)).toEqual([["__name__", "conf"], ["n", "1"]]);
      // Chunks of the eu replicas (deduplicated) and of the us stream, in time order.
      expect(bare.chunks.map((c) => c.minTime)).toEqual([T0, T0 + 3 * H]);
      expectDesignedChunks(got, drop);
    });

    it("an unknown name changes nothing", async () => {
      const a = await run({ minTime: MINT, maxTime: MAXT, matchers: all });
      const b = await run({ minTime: MINT, maxTime: MAXT, matchers: all, withoutReplicaLabels: ["nonexistent"] });
      expect(b.map(pairsOf)).toEqual(a.map(pairsOf));
    });
  });

  describe("time ranges and chunks", () => {
    const chunky = [eq("__name__", "chunky")];
    let full: DecodedChunk[] = [];
    const design = (): DesignSeries => designOf([["__name__", "chunky"], ["k", "1"], ["region", "eu"], ["replica", "a"]])[0]!;

    /** Chunks of the full answer that overlap [mint, maxt] (inclusive both ends). */
    const overlapping = (mint: number, maxt: number): DecodedChunk[] => full.filter((c) => c.maxTime >= mint && c.minTime <= maxt);

    const chunkyIn = async (mint: number, maxt: number): Promise<Series[]> => run({ minTime: mint, maxTime: maxt, matchers: chunky });

    it("full range: chunks tile the designed samples, ≤120 samples each, in time order", async () => {
      const got = await chunkyIn(MINT, MAXT);
      expect(got).toHaveLength(1);
      full = decodeChunks(got[0]!);
      expect(full.flatMap((c) => c.samples)).toEqual(design().samples);
      expect(full.length).toBeGreaterThanOrEqual(4);
      for (const c of full) expect(c.samples.length).toBeLessThanOrEqual(120);
      for (let i = 1; i < full.length; i++) expect(full[i]!.minTime).toBeGreaterThan(full[i - 1]!.maxTime);
    });

    const edges: [string, () => [number, number]][] = [
      ["min_time == a chunk's max_time", () => [full[1]!.maxTime, full[1]!.maxTime]],
      ["max_time == a chunk's min_time", () => [full[1]!.minTime, full[1]!.minTime]],
      ["[chunk0.max_time, chunk1.min_time]", () => [full[0]!.maxTime, full[1]!.minTime]],
      ["between two samples inside a chunk (returned whole)", () => [full[0]!.minTime + 1, full[0]!.minTime + 14_999]],
      ["between two chunks (no chunk overlaps)", () => [full[0]!.maxTime + 1, full[1]!.minTime - 1]],
      ["ends one ms before the first sample", () => [MINT, full[0]!.minTime - 1]],
      ["ends at the first sample", () => [MINT, full[0]!.minTime]],
      ["starts one ms after the last sample", () => [full[full.length - 1]!.maxTime + 1, MAXT]],
      ["starts at the last sample", () => [full[full.length - 1]!.maxTime, MAXT]],
      ["middle two chunks", () => [full[1]!.minTime + 1, full[2]!.maxTime - 1]],
      ["min_time > max_time", () => [full[2]!.minTime, full[1]!.maxTime]],
    ];
    it.each(edges)("%s", async (_name, range) => {
      expect(full.length, "the full-range test ran first").toBeGreaterThan(0);
      const [mint, maxt] = range();
      const got = await chunkyIn(mint, maxt);
      const want = mint <= maxt ? overlapping(mint, maxt) : [];
      if (want.length === 0) {
        expect(got).toEqual([]);
        return;
      }
      expect(got).toHaveLength(1);
      // Whole chunks: the very same data as in the full answer, not trimmed to the range.
      expect(decodeChunks(got[0]!)).toEqual(want);
    });

    it("the full int64 range (what /api/v1/series sends)", async () => {
      const got = await chunkyIn(-(2 ** 63), 2 ** 63);
      expect(got).toHaveLength(1);
      expect(decodeChunks(got[0]!)).toEqual(full);
    });

    it("a series crossing midnight (two units of one stream): chunks of both, or of the unit in range", async () => {
      const m = [eq("__name__", "midnight")];
      const both = await run({ minTime: MINT, maxTime: MAXT, matchers: m });
      expect(both.map(pairsOf)).toEqual([[["__name__", "midnight"], ["k", "1"], ["region", "us"]]]);
      expectDesignedChunks(both, []);
      const all = decodeChunks(both[0]!);
      expect(all.length).toBeGreaterThanOrEqual(2);
      expect(all[0]!.maxTime).toBeLessThan(T0 + 24 * H);
      expect(all[all.length - 1]!.minTime).toBeGreaterThanOrEqual(T0 + 24 * H);
      const day2 = await run({ minTime: T0 + 24 * H, maxTime: MAXT, matchers: m });
      expect(decodeChunks(day2[0]!)).toEqual(all.filter((c) => c.maxTime >= T0 + 24 * H));
      const day1 = await run({ minTime: MINT, maxTime: T0 + 24 * H - 1, matchers: m });
      expect(decodeChunks(day1[0]!)).toEqual(all.filter((c) => c.minTime < T0 + 24 * H));
    });

    it("a range inside a chunk's gap returns that chunk whole", async () => {
      const got = await run({ minTime: T0 + 20 * MIN, maxTime: T0 + 50 * MIN, matchers: [eq("__name__", "gappy")] });
      expect(got).toHaveLength(1);
      const cs = decodeChunks(got[0]!);
      expect(cs).toHaveLength(1);
      expect(cs[0]!.minTime).toBe(T0);
      expect(cs[0]!.maxTime).toBe(T0 + H + 10 * MIN);
    });

    it("only series with a chunk in range; other streams' series by their own times", async () => {
      // [T0+30m, T0+65m]: sparse{p="late"} (T0+60m..) yes, sparse{p="early"} (..T0+10m) no.
      const got = await run({ minTime: T0 + 30 * MIN, maxTime: T0 + 65 * MIN, matchers: [eq("__name__", "sparse")] });
      expect(got.map(pairsOf)).toEqual([[["__name__", "sparse"], ["p", "late"], ["region", "eu"], ["replica", "a"]]]);
      // conf: eu replicas end at T0+19m, us starts at T0+3h.
      const us = await run({ minTime: T0 + 2 * H, maxTime: MAXT, matchers: [eq("__name__", "conf")] });
      expect(us.map(pairsOf)).toEqual(expectedSeries({ pred: and(isIn("__name__", "conf"), isIn("region", "us")) }));
      const eu = await run({ minTime: MINT, maxTime: T0 + 19 * MIN, matchers: [eq("__name__", "conf")] });
      expect(eu.map(pairsOf)).toEqual(expectedSeries({ pred: and(isIn("__name__", "conf"), isIn("region", "eu")) }));
    });
  });

  describe("skip_chunks", () => {
    const sparse = [eq("__name__", "sparse")];
    const early: LabelPairs = [["__name__", "sparse"], ["p", "early"], ["region", "eu"], ["replica", "a"]];
    const late: LabelPairs = [["__name__", "sparse"], ["p", "late"], ["region", "eu"], ["replica", "a"]];
    const cases: [string, number, number, LabelPairs[]][] = [
      ["full range", MINT, MAXT, [early, late]],
      ["between the two series' chunks", T0 + 30 * MIN, T0 + 50 * MIN, []],
      ["overlapping only the late chunk", T0 + 30 * MIN, T0 + 65 * MIN, [late]],
      ["ending exactly at early's last sample", MINT, T0 + 10 * MIN, [early]],
      ["exactly late's first sample (a single instant)", T0 + H, T0 + H, [late]],
      ["after all data", T0 + 5 * H, MAXT, []],
    ];
    it.each(cases)("%s", async (_n, mint, maxt, want) => {
      const got = await run({ minTime: mint, maxTime: maxt, matchers: sparse, skipChunks: true });
      expect(got.map(pairsOf)).toEqual(want);
      for (const s of got) expect(s.chunks).toEqual([]);
    });

    it("same series as without skip_chunks, for every stream, with and without replica labels", async () => {
      for (const drop of [[], ["replica"]]) {
        for (const [mint, maxt] of [
          [MINT, MAXT],
          [T0 + 15 * MIN, T0 + 3 * H + 5 * MIN],
        ] as const) {
          const req = { minTime: mint, maxTime: maxt, matchers: [re("__name__", ".+")], withoutReplicaLabels: drop };
          const a = await run({ ...req, skipChunks: true });
          const b = await run(req);
          expect(a.map(pairsOf)).toEqual(b.map(pairsOf));
          expect(a.every((s) => s.chunks.length === 0)).toBe(true);
          expect(b.every((s) => s.chunks.length > 0)).toBe(true);
        }
      }
    });
  });

  describe("limit", () => {
    const all = [re("__name__", ".+")];
    it("truncates to the first `limit` series and says so in a warning frame", async () => {
      const want = expectedSeries({ pred: ALL, drop: ["replica"] });
      const r = await callSeries(env().client, { minTime: MINT, maxTime: MAXT, matchers: all, withoutReplicaLabels: ["replica"], limit: 3 });
      expectSortedUnique(r.series);
      expect(r.series.map(pairsOf)).toEqual(want.slice(0, 3));
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toMatch(/limit/);
      // The warning comes after the series.
      expect(r.frames[r.frames.length - 1]!.result?.$case).toBe("warning");
    });
    it("limit equal to the result size, or 0: everything, no warning", async () => {
      const want = expectedSeries({ pred: ALL });
      for (const limit of [want.length, 0]) {
        const r = await callSeries(env().client, { minTime: MINT, maxTime: MAXT, matchers: all, limit });
        expect(r.series.map(pairsOf)).toEqual(want);
        expect(r.warnings).toEqual([]);
      }
    });
  });

  describe("response_batch_size", () => {
    const req = { minTime: MINT, maxTime: MAXT, matchers: [re("__name__", ".+")] };
    it.each([0, 1, 3, 64])("%i: the same flattened series list; batch frames only when > 1", async (size) => {
      const want = expectedSeries({ pred: ALL });
      const r = await callSeries(env().client, { ...req, responseBatchSize: size });
      expect(r.series.map(pairsOf)).toEqual(want);
      expectSortedUnique(r.series);
      expectDesignedChunks(r.series, []);
      const cases = r.frames.map((f) => f.result?.$case);
      if (size <= 1) {
        expect(cases.every((c) => c === "series")).toBe(true);
        expect(cases).toHaveLength(want.length);
      } else {
        expect(cases.every((c) => c === "batch")).toBe(true);
        expect(cases).toHaveLength(Math.ceil(want.length / size));
        for (const f of r.frames) if (f.result?.$case === "batch") expect(f.result.batch.series.length).toBeLessThanOrEqual(size);
      }
    });
    it("3 with a limit: batches, then the warning", async () => {
      const r = await callSeries(env().client, { ...req, responseBatchSize: 3, limit: 5 });
      expect(r.series.map(pairsOf)).toEqual(expectedSeries({ pred: ALL }).slice(0, 5));
      expect(r.frames.map((f) => f.result?.$case)).toEqual(["batch", "batch", "warning"]);
    });
  });
});
