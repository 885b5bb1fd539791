// Thanos objstore YAML parsing, $(ENV) expansion, and building buckets from it.

import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBucket, expandEnv, loadBucketConfig, parseBucketConfig } from "../../src/objstore/config.js";
import { ConfigError } from "../../src/objstore/errors.js";
import { FilesystemBucket } from "../../src/objstore/filesystem.js";
import { METRIC_NAMES, objstoreMetrics } from "../../src/objstore/metrics.js";
import { S3Bucket } from "../../src/objstore/s3.js";
import { startS3, type TestS3 } from "../setup/s3.js";
import { collect } from "./support.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "pgw-cfg-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseBucketConfig", () => {
  it("parses FILESYSTEM", () => {
    expect(parseBucketConfig("type: FILESYSTEM\nconfig:\n  directory: /data/bucket\n")).toEqual({
      type: "FILESYSTEM",
      prefix: "",
      config: { directory: "/data/bucket" },
    });
  });

  it("parses every supported S3 field", () => {
    const cfg = parseBucketConfig(`
type: S3
config:
  bucket: metrics
  endpoint: minio.local:9000
  region: eu-west-1
  access_key: AKIA
  secret_key: s3cr3t
  session_token: tok
  insecure: true
  bucket_lookup_type: path
  part_size: 16777216
  max_retries: 5
prefix: /tenant-a/
`);
    expect(cfg).toEqual({
      type: "S3",
      prefix: "tenant-a",
      config: {
        bucket: "metrics",
        endpoint: "minio.local:9000",
        region: "eu-west-1",
        accessKey: "AKIA",
        secretKey: "s3cr3t",
        sessionToken: "tok",
        insecure: true,
        bucketLookupType: "path",
        partSize: 16 * 1024 * 1024,
        retry: { maxAttempts: 6 },
      },
    });
  });

  it("defaults like Thanos: type is case-insensitive, lookup auto, 0 means default", () => {
    const cfg = parseBucketConfig("type: s3\nconfig:\n  bucket: b\n  part_size: 0\n  max_retries: 0\n");
    expect(cfg).toEqual({ type: "S3", prefix: "", config: { bucket: "b", bucketLookupType: "auto" } });
  });

  it("reads unquoted numeric credentials as strings", () => {
    const cfg = parseBucketConfig("type: S3\nconfig:\n  bucket: b\n  access_key: 12345\n  secret_key: 678\n");
    expect(cfg.type === "S3" && cfg.config.accessKey).toBe("12345");
  });

  it.each([
    ["unknown type", "type: GCS\nconfig:\n  bucket: b\n", /unsupported type "GCS" \(supported: FILESYSTEM, S3\)/],
    ["missing type", "config:\n  bucket: b\n", /missing "type"/],
    ["missing bucket", "type: S3\nconfig:\n  endpoint: x:1\n", /"bucket" is required/],
    ["missing config for S3", "type: S3\n", /"bucket" is required/],
    ["missing directory", "type: FILESYSTEM\nconfig: {}\n", /"directory" is required/],
    ["empty directory", "type: FILESYSTEM\nconfig:\n  directory: ''\n", /"directory" is required/],
    ["bad YAML", "type: S3\nconfig: [unclosed\n", /invalid YAML/],
    ["empty document", "\n# nothing\n", /empty/],
    ["not a mapping", "- a\n- b\n", /expected a mapping/],
    ["unknown top-level field", "type: S3\nconfig:\n  bucket: b\nprefixx: p\n", /unknown field "prefixx"/],
    ["unknown S3 field", "type: S3\nconfig:\n  bucket: b\n  regoin: x\n", /unknown field "regoin"/],
    ["unsupported Thanos field", "type: S3\nconfig:\n  bucket: b\n  sse_config:\n    type: SSE-S3\n", /"sse_config" is a Thanos S3 option/],
    ["bad lookup type", "type: S3\nconfig:\n  bucket: b\n  bucket_lookup_type: dns\n", /bucket_lookup_type" must be one of auto, virtual-hosted, path/],
    ["part size too small", "type: S3\nconfig:\n  bucket: b\n  part_size: 1024\n", /part_size must be an integer >= 5242880/],
    ["endpoint with scheme", "type: S3\nconfig:\n  bucket: b\n  endpoint: https://s3.example.com\n", /without scheme/],
    ["key without secret", "type: S3\nconfig:\n  bucket: b\n  access_key: a\n", /must be given together/],
    ["insecure not a bool", "type: S3\nconfig:\n  bucket: b\n  insecure: 'yes'\n", /"insecure" must be true or false/],
    ["negative retries", "type: S3\nconfig:\n  bucket: b\n  max_retries: -1\n", /"max_retries" must be a non-negative integer/],
  ])("rejects %s", (_, yaml, message) => {
    expect(configError(() => parseBucketConfig(yaml)).message).toMatch(message);
  });
});

describe("$(ENV) expansion", () => {
  const env = { BUCKET: "from-env", SECRET: "p@ss: word", EMPTY: "" };

  it("substitutes variables anywhere in the text, before YAML parsing", () => {
    const cfg = parseBucketConfig(
      'type: S3\nconfig:\n  bucket: $(BUCKET)\n  access_key: key-$(BUCKET)\n  secret_key: "$(SECRET)"\n  region: "$(EMPTY)"\n',
      env,
    );
    expect(cfg.type).toBe("S3");
    if (cfg.type === "S3") {
      expect(cfg.config.bucket).toBe("from-env");
      expect(cfg.config.accessKey).toBe("key-from-env");
      expect(cfg.config.secretKey).toBe("p@ss: word");
      expect(cfg.config.region).toBeUndefined(); // set but empty is allowed
    }
  });

  it("fails on an unset variable, naming it", () => {
    const err = configError(() => parseBucketConfig("type: S3\nconfig:\n  bucket: $(NOT_SET_ANYWHERE)\n", env));
    expect(err.message).toContain('unset environment variable "NOT_SET_ANYWHERE"');
  });

  it("leaves other dollar forms alone", () => {
    expect(expandEnv("a $HOME ${HOME} $(X) $()", { X: "x" })).toBe("a $HOME ${HOME} x $()");
  });

  it("reads process.env by default", () => {
    process.env.PGW_TEST_OBJSTORE_DIR = "/from/process/env";
    try {
      const cfg = parseBucketConfig("type: FILESYSTEM\nconfig:\n  directory: $(PGW_TEST_OBJSTORE_DIR)\n");
      expect(cfg.type === "FILESYSTEM" && cfg.config.directory).toBe("/from/process/env");
    } finally {
      delete process.env.PGW_TEST_OBJSTORE_DIR;
    }
  });
});

describe("loadBucketConfig", () => {
  it("loads from a file or inline YAML", async () => {
    const file = path.join(dir, "objstore.yml");
    await writeFile(file, "type: FILESYSTEM\nconfig:\n  directory: $(D)\n");
    expect(await loadBucketConfig({ configFile: file }, { D: "/x" })).toEqual({ type: "FILESYSTEM", prefix: "", config: { directory: "/x" } });
    expect(await loadBucketConfig({ configYaml: "type: FILESYSTEM\nconfig: {directory: /y}" })).toMatchObject({ config: { directory: "/y" } });
  });

  it("names the file in parse errors", async () => {
    const file = path.join(dir, "bad.yml");
    await writeFile(file, "type: NOPE\n");
    await expect(loadBucketConfig({ configFile: file })).rejects.toThrow(/bad\.yml.*unsupported type "NOPE"/);
  });

  it("rejects a missing file, both sources, or neither", async () => {
    await expect(loadBucketConfig({ configFile: path.join(dir, "absent.yml") })).rejects.toThrow(ConfigError);
    await expect(loadBucketConfig({ configFile: "f", configYaml: "type: S3" })).rejects.toThrow(/not both/);
    await expect(loadBucketConfig({})).rejects.toThrow(/no config file or inline YAML/);
  });
});

describe("createBucket", () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("builds a FILESYSTEM bucket, applying the prefix to keys", async () => {
    const root = path.join(dir, "fs-root");
    const bucket = createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${root}\nprefix: tenant/a\n`));
    await bucket.upload("k/1", Buffer.from("v"));
    expect(await readdir(path.join(root, "tenant", "a", "k"))).toEqual(["1"]);
    expect(await collect(bucket.list("", { recursive: true }))).toEqual(["k/1"]);
    expect(await collect(bucket.list(""))).toEqual(["k/"]);
    expect(bucket.kind).toBe("FILESYSTEM");
  });

  it("builds an S3 bucket from YAML with env credentials, prefix and metrics", async () => {
    const env = { S3_AK: s3.accessKey, S3_SK: s3.secretKey };
    const yaml = `
type: S3
config:
  bucket: ${s3.bucket}
  endpoint: ${s3.endpoint}
  region: ${s3.region}
  access_key: $(S3_AK)
  secret_key: $(S3_SK)
  insecure: ${s3.insecure}
prefix: cfg-test
`;
    const registry = new Registry();
    const bucket = createBucket(parseBucketConfig(yaml, env), objstoreMetrics(registry));
    await bucket.upload("x/y", Buffer.from("hello"));
    expect((await bucket.get("x/y")).toString()).toBe("hello");
    expect(await collect(bucket.list("x/"))).toEqual(["x/y"]);
    expect(bucket.kind).toBe("S3");
    // The object really lives under the prefix in the bucket.
    const raw = new S3Bucket({ bucket: s3.bucket, endpoint: s3.endpoint, region: s3.region, accessKey: s3.accessKey, secretKey: s3.secretKey, insecure: s3.insecure });
    expect(await raw.exists("cfg-test/x/y")).toBe(true);
    await raw.close();
    const text = await registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.requests}{operation="upload"} 1`);
    expect(text).toContain(`${METRIC_NAMES.requests}{operation="list"} 1`);
    await bucket.close();
  });

  it("returns the plain backend when there is no prefix or metrics", () => {
    expect(createBucket({ type: "FILESYSTEM", prefix: "", config: { directory: dir } })).toBeInstanceOf(FilesystemBucket);
  });
});
