// Unit tests of the Go-compatible pieces of the HTTP API (no Prometheus
// needed): JSON value/timestamp/string formatting, time and duration
// parsing, forms, match[] parsing, sharding and downsampling helpers.

import { describe, expect, it } from "vitest";
import { formatFloatE, formatTimestamp, formatValue, jsonString, labelsJson } from "../../../src/api/http/json.js";
import {
  BadDataError,
  durationMs,
  engineTimeMs,
  Form,
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseDurationNs,
  parseFloat64,
  parseMatchersParam,
  parseTime,
} from "../../../src/api/http/params.js";
import { aggrsFromFunc, inShard, maxResolutionForSelect, widenExternalOnly } from "../../../src/promql/querier_queryable.js";
import { Matcher, MatchType } from "../../../src/model/matchers.js";

describe("JSON formatting (jsonutil / encoding/json)", () => {
  it.each([
    [0, "0"],
    [-0, "-0"],
    [1, "1"],
    [0.1, "0.1"],
    [123456.789, "123456.789"],
    [1e-6, "0.000001"],
    [1e-7, "1e-07"],
    [-2.5e-7, "-2.5e-07"],
    [1e20, "100000000000000000000"],
    [1e21, "1e+21"],
    [1.2345e300, "1.2345e+300"],
    [5e-324, "5e-324"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ])("value %d → %s", (v, want) => expect(formatValue(v)).toBe(want));

  it("'e' format pads the exponent to two digits", () => {
    expect(formatFloatE(1e100)).toBe("1e+100");
    expect(formatFloatE(1.5e5)).toBe("1.5e+05");
  });

  it.each([
    [0, "0"],
    [1704067200000, "1704067200"],
    [1704067200500, "1704067200.500"],
    [1704067200005, "1704067200.005"],
    [1500, "1.500"],
    [-1500, "-1.500"],
    [-500, "-0.500"],
    [-2000, "-2"],
  ])("timestamp %d → %s", (t, want) => expect(formatTimestamp(t)).toBe(want));

  it("strings are escaped like encoding/json with HTML escaping", () => {
    expect(jsonString('a"b\\c\n\r\t')).toBe('"a\\"b\\\\c\\n\\r\\t"');
    expect(jsonString("<&>")).toBe('"\\u003c\\u0026\\u003e"');
    expect(jsonString("\u0001\u001f\u2028\u2029")).toBe('"\\u0001\\u001f\\u2028\\u2029"');
    expect(jsonString("é😀")).toBe('"é😀"');
    expect(jsonString("\ud800x")).toBe('"\\ufffdx"');
    expect(labelsJson([{ name: "__name__", value: "up" }, { name: "a", value: "<b>" }])).toBe('{"__name__":"up","a":"\\u003cb\\u003e"}');
  });
});

describe("parameters (web/api/v1)", () => {
  it.each([
    ["1704067200", 1704067200000],
    ["1704067200.123", 1704067200123],
    ["1704067200.1236", 1704067200124],
    ["-1.5", -1500],
    ["0x1p4", 16000],
    ["1_000", 1_000_000],
    ["2024-01-01T00:00:00Z", 1704067200000],
    ["2024-01-01T00:00:00.5+01:00", 1704067200000 - 3600000 + 500],
    ["2024-01-01T00:00:00.123456789Z", 1704067200123],
    ["0001-01-01T00:00:00Z", -62135596800000],
    ["-292273086-05-16T16:47:06Z", MIN_TIME_MS],
    ["292277025-08-18T07:12:54.999999999Z", MAX_TIME_MS],
  ])("time %s", (s, want) => expect(parseTime(s)).toBe(want));

  it.each(["", "x", "2024-02-30T00:00:00Z", "2024-01-01 00:00:00Z", "1e400", "1__0", "_1"])("time %j is refused", (s) => {
    expect(() => parseTime(s)).toThrow(new BadDataError(`cannot parse ${JSON.stringify(s)} to a valid timestamp`));
  });

  it.each([
    ["1", 1e9],
    ["1.5", 1.5e9],
    ["-2", -2e9],
    ["5m", 300e9],
    ["1h30m", 5400e9],
    ["1y2w3d4h5m6s7ms", (365 * 86400 + 14 * 86400 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6) * 1e9 + 7e6],
    ["0", 0],
  ])("duration %s", (s, want) => expect(parseDurationNs(s)).toBe(want));

  it.each(["", "1.5m", "5m1h", "m", "-5m", "300y"])("duration %j is refused", (s) => {
    expect(() => parseDurationNs(s)).toThrow(BadDataError);
  });

  it("overflowing float durations have their own message", () => {
    expect(() => parseDurationNs("1e10")).toThrow(`cannot parse "1e10" to a valid duration. It overflows int64`);
  });

  it("durations convert to ms by truncation", () => {
    expect(durationMs(1_999_999)).toBe(1);
    expect(durationMs(-1_999_999)).toBe(-1);
  });

  it("parseFloat64 follows strconv.ParseFloat", () => {
    expect(parseFloat64("0x1.8p1")).toBe(3);
    expect(parseFloat64("0x10")).toBeUndefined();
    expect(parseFloat64("Inf")).toBe(Infinity);
    expect(parseFloat64("-infinity")).toBe(-Infinity);
    expect(Number.isNaN(parseFloat64("NaN"))).toBe(true);
    expect(parseFloat64("1e1_0")).toBe(1e10);
  });

  it("engine times wrap like t.UnixNano()/1e6 past 2262", () => {
    expect(engineTimeMs(1704067200000)).toBe(1704067200000);
    expect(engineTimeMs(1e13)).toBe(-8446744073709);
  });

  it("forms: url decoding, repeated keys, Go's errors", () => {
    const f = new Form();
    f.addEncoded("a=1+2&b=%3D&a=3&&c");
    expect(f.all("a")).toEqual(["1 2", "3"]);
    expect(f.get("b")).toBe("=");
    expect(f.get("c")).toBe("");
    expect(f.error).toBeUndefined();
    const bad = new Form();
    bad.addEncoded("x=%zz&y=1;z=2&w=ok");
    expect(bad.error).toBe('invalid URL escape "%zz"');
    expect([...bad.values.keys()]).toEqual(["w"]);
    const semi = new Form();
    semi.addEncoded("y=1;z=2");
    expect(semi.error).toBe("invalid semicolon separator in query");
  });

  it("match[] selectors", () => {
    const [ms] = parseMatchersParam(['up{job=~"a|b"}']);
    expect(ms!.map((m) => m.toString())).toEqual(['job=~"a|b"', '__name__="up"']);
    expect(() => parseMatchersParam(['{job=~".*"}'])).toThrow("match[] must contain at least one non-empty matcher");
    expect(() => parseMatchersParam(["up{"])).toThrow(/^1:4: parse error: /);
    expect(() => parseMatchersParam(["rate(up[5m])"])).toThrow(BadDataError);
    expect(() => parseMatchersParam(["up offset 5m"])).toThrow(BadDataError);
  });
});

describe("queryable helpers (Thanos querier rules)", () => {
  it("max resolution is capped at range/2 for functions needing two samples", () => {
    expect(maxResolutionForSelect(3_600_000, { func: "rate", rangeMs: 600_000 })).toBe(300_000);
    expect(maxResolutionForSelect(3_600_000, { func: "max_over_time", rangeMs: 600_000 })).toBe(3_600_000);
    expect(maxResolutionForSelect(3_600_000, { func: "rate" })).toBe(3_600_000);
  });

  it("aggregates from the wrapping function", () => {
    expect(aggrsFromFunc("min_over_time")).toEqual(["min"]);
    expect(aggrsFromFunc("max")).toEqual(["max"]);
    expect(aggrsFromFunc("count")).toEqual(["count"]);
    expect(aggrsFromFunc("sum")).toEqual(["count", "sum"]);
    expect(aggrsFromFunc("sum_over_time")).toEqual(["sum"]);
    expect(aggrsFromFunc("rate")).toEqual(["counter"]);
    expect(aggrsFromFunc("")).toEqual(["count", "sum"]);
  });

  it("selectors on external labels only get a match-all name matcher", () => {
    const ext = new Set(["region"]);
    const only = [new Matcher(MatchType.EQ, "region", "eu")];
    expect(widenExternalOnly(only, ext).map(String)).toEqual(['region="eu"', '__name__=~".*"']);
    const mixed = [...only, new Matcher(MatchType.EQ, "job", "a")];
    expect(widenExternalOnly(mixed, ext)).toEqual(mixed);
  });

  it("sharding hashes the by/without labels; every series is in exactly one shard", () => {
    const series = Array.from({ length: 200 }, (_, i) => [
      { name: "instance", value: `i-${i}` },
      { name: "job", value: `j-${i % 7}` },
    ]);
    for (const by of [true, false]) {
      const counts = series.map((s) => [0, 1, 2, 3].filter((k) => inShard(s, { shardIndex: k, totalShards: 4, by, labels: ["job"] })).length);
      expect(counts.every((c) => c === 1)).toBe(true);
    }
    // by (job): series with the same job land together.
    const shardOf = (s: (typeof series)[number]): number => [0, 1, 2, 3].find((k) => inShard(s, { shardIndex: k, totalShards: 4, by: true, labels: ["job"] }))!;
    expect(shardOf(series[0]!)).toBe(shardOf(series[7]!));
    expect(inShard(series[0]!, { shardIndex: 3, totalShards: 0, by: true, labels: [] })).toBe(true);
  });
});
