// Exact metric increments for a known sequence of operations, on both backends.

import { Counter, Gauge, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ObjectNotFoundError, ObjectRangeError } from "../../src/objstore/errors.js";
import { instrumentBucket, METRIC_NAMES, objstoreMetrics, type ObjstoreOperation } from "../../src/objstore/metrics.js";
import { backends, collect, type BackendEnv } from "./support.js";

type Counts = Record<ObjstoreOperation, number>;

async function counterValues(registry: Registry, name: string): Promise<Counts> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} not registered`);
  const json = await metric.get();
  const out: Counts = { get: 0, get_range: 0, head: 0, list: 0, upload: 0, delete: 0 };
  for (const v of json.values) {
    const op = v.labels.operation as ObjstoreOperation | undefined;
    if (op !== undefined) out[op] = v.value;
  }
  return out;
}

async function histogramCounts(registry: Registry): Promise<Counts> {
  const metric = registry.getSingleMetric(METRIC_NAMES.duration);
  if (!metric) throw new Error("duration histogram not registered");
  const json = await metric.get();
  const out: Counts = { get: 0, get_range: 0, head: 0, list: 0, upload: 0, delete: 0 };
  for (const v of json.values) {
    const name = (v as { metricName?: string }).metricName;
    const op = v.labels.operation as ObjstoreOperation | undefined;
    if (name === `${METRIC_NAMES.duration}_count` && op !== undefined) out[op] = v.value;
  }
  return out;
}

async function readBytes(registry: Registry): Promise<number> {
  const json = await registry.getSingleMetric(METRIC_NAMES.readBytes)?.get();
  return json?.values[0]?.value ?? Number.NaN;
}

describe.each(backends)("$name metrics", (backend) => {
  let env: BackendEnv;
  beforeAll(async () => {
    env = await backend.start();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("counts a known sequence of operations exactly", async () => {
    const registry = new Registry();
    const { bucket: raw } = env.make();
    const bucket = instrumentBucket(raw, objstoreMetrics(registry));

    await bucket.upload("m/a", Buffer.alloc(1000, 1));
    await bucket.upload("m/b", Buffer.alloc(500, 2));
    await bucket.get("m/a"); // +1000 bytes
    await bucket.getRange("m/a", 10, 100); // +100 bytes
    await bucket.attributes("m/a");
    await bucket.exists("m/a");
    await bucket.exists("m/missing");
    await expect(bucket.get("m/missing")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(bucket.getRange("m/a", 990, 20)).rejects.toBeInstanceOf(ObjectRangeError);
    expect(await collect(bucket.list("m/", { recursive: true }))).toEqual(["m/a", "m/b"]);
    expect(await collect(bucket.list(""))).toEqual(["m/"]);
    await bucket.delete("m/b");
    await bucket.delete("m/never");
    await bucket.close();

    const expected: Counts = { get: 2, get_range: 2, head: 3, list: 2, upload: 2, delete: 2 };
    expect(await counterValues(registry, METRIC_NAMES.requests)).toEqual(expected);
    // A missing object is an answer, not a failure; an out-of-range read is.
    expect(await counterValues(registry, METRIC_NAMES.failures)).toEqual({ get: 0, get_range: 1, head: 0, list: 0, upload: 0, delete: 0 });
    expect(await histogramCounts(registry)).toEqual(expected);
    expect(await readBytes(registry)).toBe(1100);
  });

  it("counts each list page once", async () => {
    const registry = new Registry();
    const { bucket: raw } = env.make({ listPageSize: 7 });
    const bucket = instrumentBucket(raw, objstoreMetrics(registry));
    const keys = Array.from({ length: 50 }, (_, i) => `p/${String(i).padStart(2, "0")}`);
    for (const k of keys) await raw.upload(k, Buffer.from(k));
    expect(await collect(bucket.list("p/", { recursive: true }))).toEqual(keys);
    // S3 pages of 7: ceil(50 / 7) = 8 requests. FILESYSTEM lists in one go.
    const pages = backend.name === "S3" ? 8 : 1;
    expect((await counterValues(registry, METRIC_NAMES.requests)).list).toBe(pages);
    expect((await histogramCounts(registry)).list).toBe(pages);

    // Stopping early counts only the pages actually fetched.
    const registry2 = new Registry();
    const early = instrumentBucket(raw, objstoreMetrics(registry2));
    for await (const k of early.list("p/", { recursive: true })) if (k === "p/03") break;
    expect((await counterValues(registry2, METRIC_NAMES.requests)).list).toBe(1);
    await bucket.close();
  });
});

describe("metric registration", () => {
  it("creates metrics once per registry and exports all operations from the start", async () => {
    const registry = new Registry();
    const a = objstoreMetrics(registry);
    const b = objstoreMetrics(registry);
    expect(b).toBe(a);
    const text = await registry.metrics();
    for (const op of ["get", "get_range", "head", "list", "upload", "delete"]) {
      expect(text).toContain(`parquet_gateway_objstore_requests_total{operation="${op}"} 0`);
      expect(text).toContain(`parquet_gateway_objstore_request_failures_total{operation="${op}"} 0`);
    }
    expect(text).toContain("parquet_gateway_objstore_read_bytes_total 0");
    expect(text).toContain('parquet_gateway_objstore_request_duration_seconds_count{operation="get"} 0');
  });

  it("separate registries keep separate counts", async () => {
    const r1 = new Registry();
    const r2 = new Registry();
    const m1 = objstoreMetrics(r1);
    const m2 = objstoreMetrics(r2);
    expect(m2).not.toBe(m1);
    m1.requests.inc({ operation: "get" });
    expect((await counterValues(r1, METRIC_NAMES.requests)).get).toBe(1);
    expect((await counterValues(r2, METRIC_NAMES.requests)).get).toBe(0);
  });

  it("reuses a metric already registered under the same name, and refuses a different type", () => {
    const registry = new Registry();
    const existing = new Counter({ name: METRIC_NAMES.requests, help: "x", labelNames: ["operation"], registers: [registry] });
    expect(objstoreMetrics(registry).requests).toBe(existing);

    const clash = new Registry();
    new Gauge({ name: METRIC_NAMES.readBytes, help: "x", registers: [clash] });
    expect(() => objstoreMetrics(clash)).toThrow(/different type/);
  });

  it("defaults to the global registry without double registration", async () => {
    const { register } = await import("prom-client");
    expect(objstoreMetrics()).toBe(objstoreMetrics(register));
    expect(register.getSingleMetric(METRIC_NAMES.requests)).toBeDefined();
  });
});
