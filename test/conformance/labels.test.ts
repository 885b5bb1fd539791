// StoreAPI conformance, LabelNames and LabelValues: external label names and
// values included (external overrides stored), replica labels removed, time
// ranges honoured at unit granularity (stream x day partition, as Thanos
// answers label calls per block), matchers per series, sorted unique output,
// limit, and an empty label name rejected. Expectations come from the
// designed series by plain loops.

import { status as Status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { StoreService } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { LabelMatcher_Type as MT, type LabelMatcher } from "../../src/api/grpc/gen/store/storepb/types.js";
import type { Init } from "../../src/api/grpc/wire.js";
import { discoverUnits } from "../../src/store/discovery.js";
import type { BucketKind } from "../helpers/buckets.js";
import { cmpBytes, DATA_MAX, DATA_MIN, expectedLabelNames, expectedLabelValues, streamRange, T0, type Pred } from "./design.js";
import { rejected, useConformance, type Layout } from "./harness.js";

const MINT = 0;
const MAXT = 253402300799000;
const H = 3_600_000;

type M = Init<LabelMatcher>;
const eq = (name: string, value: string): M => ({ type: MT.EQ, name, value });
const re = (name: string, value: string): M => ({ type: MT.RE, name, value });
const neq = (name: string, value: string): M => ({ type: MT.NEQ, name, value });

interface Case {
  name: string;
  m: M[];
  /** The same selection, hand-written. */
  pred?: Pred;
  mint?: number;
  maxt?: number;
}

const A_START = streamRange("A")[0];
const U_START = streamRange("U")[0];

const CASES: Case[] = [
  { name: "everything" , m: [] },
  { name: "range ending 1 ms before the data", m: [], mint: MINT, maxt: DATA_MIN - 1 },
  { name: "range ending hours before the data", m: [], mint: MINT, maxt: T0 - 4 * H },
  { name: "range ending at the first sample (inclusive)", m: [], mint: MINT, maxt: A_START },
  { name: "range starting after the last sample", m: [], mint: DATA_MAX + 1, maxt: MAXT },
  { name: "range starting at the last sample (inclusive)", m: [], mint: DATA_MAX, maxt: MAXT },
  { name: "range covering only the us stream", m: [], mint: U_START - 1, maxt: MAXT },
  { name: "range covering only the us stream's second day", m: [], mint: T0 + 24 * H, maxt: MAXT },
  { name: 'long=~"x+."', m: [re("long", "x+.")], pred: (g) => /^x+.$/.test(g("long")) },
  { name: "range covering only the eu streams", m: [], mint: MINT, maxt: T0 + 2 * H },
  { name: 'n="1"', m: [eq("n", "1")], pred: (g) => g("n") === "1" },
  { name: 'i="a"', m: [eq("i", "a")], pred: (g) => g("i") === "a" },
  { name: 'n="3"', m: [eq("n", "3")], pred: (g) => g("n") === "3" },
  { name: '__name__="usonly"', m: [eq("__name__", "usonly")], pred: (g) => g("__name__") === "usonly" },
  { name: '__name__="flip"', m: [eq("__name__", "flip")], pred: (g) => g("__name__") === "flip" },
  { name: '__name__="nope"', m: [eq("__name__", "nope")], pred: () => false },
  { name: 'bar="different"', m: [eq("bar", "different")], pred: () => false },
  { name: 'i=~"a|"  (empty branch: also series without i)', m: [re("i", "a|"), eq("n", "1")], pred: (g) => g("n") === "1" && (g("i") === "a" || g("i") === "") },
  { name: 'nl=~".+" (no match across a newline)', m: [re("nl", ".+")], pred: () => false },
  { name: 'region="eu" (external, matching)', m: [eq("region", "eu")], pred: (g) => g("region") === "eu" },
  { name: 'region="different" (external, not matching)', m: [eq("region", "different")], pred: () => false },
  { name: 'region="stored" (overridden stored label)', m: [eq("region", "stored")], pred: () => false },
  { name: 'region=~".*" (external match-all)', m: [re("region", ".*")], pred: () => true },
  { name: 'replica="a"', m: [eq("replica", "a")], pred: (g) => g("replica") === "a" },
  { name: 'replica="stored" (stored where not external)', m: [eq("replica", "stored")], pred: (g) => g("replica") === "stored" },
  { name: 'region="us",__name__="shadow"', m: [eq("region", "us"), eq("__name__", "shadow")], pred: (g) => g("__name__") === "shadow" },
  { name: 'region!="us",n="1"', m: [neq("region", "us"), eq("n", "1")], pred: (g) => g("region") !== "us" && g("n") === "1" },
  { name: 'n="1" within the us range', m: [eq("n", "1")], pred: (g) => g("n") === "1", mint: U_START, maxt: MAXT },
];

const VALUE_NAMES = ["i", "n", "region", "replica", "__name__", "nl", "quote", "Zed", "k", "long", "missing"];

const conf = useConformance();

// The sharded layout (several shards and row groups per unit) exercises the
// read path's merging; object-store kind does not change it, so FILESYSTEM only.
describe.each<[BucketKind, Layout]>([
  ["FILESYSTEM", "default"],
  ["FILESYSTEM", "sharded"],
  ["S3", "default"],
])("StoreAPI label calls conformance (%s, %s layout)", (kind, layout) => {
  const env = conf.useKind(kind, layout);

  it("the layout is what it says: several shards per unit when sharded", async () => {
    const { units } = await discoverUnits(env().objstore);
    const most = Math.max(...units.map((u) => u.meta.shards.length));
    if (layout === "sharded") expect(most).toBeGreaterThan(1);
    else expect(most).toBe(1);
  });

  for (const drop of [[], ["replica"]]) {
    const mode = drop.length ? "without_replica_labels=[replica]" : "with replica labels";
    describe(`LabelNames, ${mode}`, () => {
      it.each(CASES)("$name", async (c) => {
        const mint = c.mint ?? MINT;
        const maxt = c.maxt ?? MAXT;
        const r = await env().client.unary(StoreService.LabelNames, { start: mint, end: maxt, matchers: c.m, withoutReplicaLabels: drop });
        expect(r.warnings).toEqual([]);
        expect(r.names).toEqual(expectedLabelNames({ ...(c.pred ? { pred: c.pred } : {}), mint, maxt, drop }));
      });
    });
    describe(`LabelValues, ${mode}`, () => {
      it.each(CASES)("$name", async (c) => {
        const mint = c.mint ?? MINT;
        const maxt = c.maxt ?? MAXT;
        const got: Record<string, string[]> = {};
        const want: Record<string, string[]> = {};
        for (const label of VALUE_NAMES) {
          const r = await env().client.unary(StoreService.LabelValues, { label, start: mint, end: maxt, matchers: c.m, withoutReplicaLabels: drop });
          expect(r.warnings).toEqual([]);
          got[label] = r.values;
          want[label] = expectedLabelValues(label, { ...(c.pred ? { pred: c.pred } : {}), mint, maxt, drop });
        }
        expect(got).toEqual(want);
      });
    });
  }

  it("the designed expectations are what they should be (spot checks)", () => {
    const all = { mint: MINT, maxt: MAXT };
    expect(expectedLabelNames(all)).toEqual(["Zed", "__name__", "i", "j", "k", "long", "n", "nl", "p", "quote", "region", "replica", "rz"]);
    expect(expectedLabelValues("region", all)).toEqual(["eu", "us"]);
    expect(expectedLabelValues("replica", all)).toEqual(["a", "b", "stored"]);
    expect(expectedLabelValues("n", all)).toEqual(["1", "10", "2", "2.5", "3", "4", "5", "6", "7", "8", "9", "only_b", "٣"]);
    expect(expectedLabelValues("i", all)).toEqual(["A", "a", "a+b", "a.b", "aab", "axb", "b", "ünïcödé", "日本", "ｚ", "𝔘"]);
    expect(expectedLabelValues("region", { mint: MINT, maxt: DATA_MIN - 1 })).toEqual([]);
  });

  it("values are byte-sorted: the astral 𝔘 after U+FF5A ｚ", async () => {
    const r = await env().client.unary(StoreService.LabelValues, { label: "i", start: MINT, end: MAXT, matchers: [eq("n", "3")] });
    expect(r.values).toEqual(["ünïcödé", "日本", "ｚ", "𝔘"]);
    expect([...r.values].sort(cmpBytes)).toEqual(r.values);
  });

  it("limit: at most N names / values, the first N in order", async () => {
    const names = expectedLabelNames({ mint: MINT, maxt: MAXT });
    const n = await env().client.unary(StoreService.LabelNames, { start: MINT, end: MAXT, limit: 3 });
    expect(n.names).toEqual(names.slice(0, 3));
    const values = expectedLabelValues("n", { mint: MINT, maxt: MAXT });
    const v = await env().client.unary(StoreService.LabelValues, { label: "n", start: MINT, end: MAXT, limit: 4 });
    expect(v.values).toEqual(values.slice(0, 4));
    const big = await env().client.unary(StoreService.LabelValues, { label: "n", start: MINT, end: MAXT, limit: 1000 });
    expect(big.values).toEqual(values);
  });

  it("LabelValues with an empty label name: InvalidArgument", async () => {
    for (const matchers of [[], [eq("n", "1")]]) {
      const e = await rejected(env().client.unary(StoreService.LabelValues, { label: "", start: MINT, end: MAXT, matchers }));
      expect(e.code).toBe(Status.INVALID_ARGUMENT);
      expect(e.details).toBe("label name parameter cannot be empty");
    }
  });
});
