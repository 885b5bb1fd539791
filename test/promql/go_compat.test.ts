// Helpers that reproduce Go library behaviour Prometheus 2.42 relies on.

import { describe, expect, it } from "vitest";
import { CountValuesGrouping } from "../../src/promql/aggregations.js";
import { goPow, parseGoFloat } from "../../src/promql/gofloat.js";
import { goDaysInMonth, goFloatToInt64, goUnixDate } from "../../src/promql/gotime.js";
import { heapPop, heapPush } from "../../src/promql/heap.js";
import { expandTemplate } from "../../src/promql/regex_template.js";

describe("expandTemplate (regexp.Expand)", () => {
  const groups = ["api-1:9090", "api", "1"];
  const named = { svc: 1 };
  it.each([
    ["$1", "api"],
    ["${1}x", "apix"],
    ["$1x", ""],
    ["$2-$1", "1-api"],
    ["$$1", "$1"],
    ["$", "$"],
    ["a$", "a$"],
    ["${svc}", "api"],
    ["$svc.$2", "api.1"],
    ["${1", "${1"],
    ["$9", ""],
    ["$01", ""],
    ["$0", "api-1:9090"],
  ])("%s", (tpl, want) => expect(expandTemplate(tpl, groups, named)).toBe(want));
});

describe("Go time", () => {
  it("computes calendar fields like time.Unix(...).UTC()", () => {
    expect(goUnixDate(0n)).toEqual({ year: 1970, month: 1, day: 1, yearDay: 1, weekday: 4, hour: 0, minute: 0 });
    expect(goUnixDate(1709251200n + 45n * 86400n + 3723n)).toMatchObject({ year: 2024, month: 4, day: 15, hour: 1, minute: 2 });
    expect(goUnixDate(-1n)).toMatchObject({ year: 1969, month: 12, day: 31, hour: 23, minute: 59 });
    expect(goDaysInMonth(2024, 2)).toBe(29);
    expect(goDaysInMonth(1900, 2)).toBe(28);
    expect(goDaysInMonth(2023, 12)).toBe(31);
  });

  it("converts floats to int64 as amd64 does, and wraps like Go", () => {
    expect(goFloatToInt64(1.9)).toBe(1n);
    expect(goFloatToInt64(-1.9)).toBe(-1n);
    expect(goFloatToInt64(NaN)).toBe(-(1n << 63n));
    expect(goFloatToInt64(Infinity)).toBe(-(1n << 63n));
    // Go 1.19.8: time.Unix(-1<<63, 0).UTC() (what year(NaN) and friends see).
    const d = goUnixDate(goFloatToInt64(NaN));
    expect(d).toEqual({ year: 292277026596, month: 12, day: 4, yearDay: 339, weekday: 0, hour: 15, minute: 30 });
    expect(goDaysInMonth(d.year, d.month)).toBe(31);
  });
});

describe("count_values grouping aliasing", () => {
  it("drops labels step by step when the grouping slice has spare capacity", () => {
    const g = new CountValuesGrouping(["instance", "job", "type"]);
    expect(g.next("a")).toEqual(["a", "instance", "job", "type"]);
    expect(g.next("a")).toEqual(["a", "a", "instance", "job"]);
    expect(g.next("a")).toEqual(["a", "a", "a", "instance"]);
    const z = new CountValuesGrouping(["instance", "job", "type"]);
    expect(z.next("zz")).toEqual(["instance", "job", "type", "zz"]);
    expect(z.next("zz")).toEqual(["instance", "job", "type", "zz"]);
  });

  it("has no effect when the slice is full (1, 2, 4 labels)", () => {
    const g = new CountValuesGrouping(["job", "type"]);
    expect(g.next("a")).toEqual(["a", "job", "type"]);
    expect(g.next("a")).toEqual(["a", "job", "type"]);
  });
});

describe("Go numerics", () => {
  it("math.Pow special cases", () => {
    expect(goPow(1, NaN)).toBe(1);
    expect(goPow(-1, Infinity)).toBe(1);
    expect(goPow(NaN, 0)).toBe(1);
    expect(goPow(2, 10)).toBe(1024);
  });

  it("strconv.ParseFloat forms used by le labels", () => {
    expect(parseGoFloat("+Inf")).toBe(Infinity);
    expect(parseGoFloat("1.0")).toBe(1);
    expect(parseGoFloat("1e-3")).toBe(0.001);
    expect(parseGoFloat("inf")).toBe(Infinity);
    expect(parseGoFloat("abc")).toBeUndefined();
    expect(parseGoFloat("")).toBeUndefined();
  });

  // Order checked against Go 1.19.8's container/heap.
  it("container/heap keeps Go's order among equal elements", () => {
    const less = (a: { v: number }, b: { v: number }): boolean => a.v < b.v;
    const h: { v: number; id: number }[] = [];
    for (let id = 0; id < 6; id++) heapPush(h, { v: id % 2, id }, less);
    const popped = [heapPop(h, less), heapPop(h, less), heapPop(h, less)].map((x) => x.id);
    expect(popped).toEqual([0, 4, 2]);
  });
});
