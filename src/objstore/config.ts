// Thanos objstore configuration: `type`, `config` and optional `prefix`, with
// $(ENV_VAR) references expanded in the raw text before YAML parsing, as
// Thanos does. Field names follow Thanos so existing files can be reused.

import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import type { Bucket } from "./bucket.js";
import { ConfigError } from "./errors.js";
import { FilesystemBucket } from "./filesystem.js";
import { instrumentBucket, type ObjstoreMetrics } from "./metrics.js";
import { PrefixedBucket } from "./prefixed.js";
import { checkS3Options, S3Bucket, type BucketLookupType, type S3BucketOptions } from "./s3.js";

export interface FilesystemBucketConfig {
  type: "FILESYSTEM";
  /** Normalised prefix without leading or trailing "/"; "" for none. */
  prefix: string;
  config: { directory: string };
}

export interface S3BucketConfig {
  type: "S3";
  prefix: string;
  config: S3BucketOptions;
}

export type BucketConfig = FilesystemBucketConfig | S3BucketConfig;

export interface BucketConfigSource {
  /** Path of a YAML file (--objstore.config-file). */
  configFile?: string;
  /** Inline YAML (--objstore.config). */
  configYaml?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const ENV_REF = /\$\(([A-Za-z0-9_]+)\)/g;

/** Replaces $(NAME) with the variable's value; an unset variable is an error (set-but-empty is fine). */
export function expandEnv(text: string, env: Env = process.env): string {
  return text.replace(ENV_REF, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new ConfigError(`objstore config: found reference to unset environment variable "${name}"`);
    return value;
  });
}

/** Reads the config from a file or inline YAML (exactly one of them) and parses it. */
export async function loadBucketConfig(src: BucketConfigSource, env: Env = process.env): Promise<BucketConfig> {
  const hasFile = src.configFile !== undefined && src.configFile !== "";
  const hasYaml = src.configYaml !== undefined && src.configYaml.trim() !== "";
  if (hasFile && hasYaml) throw new ConfigError("objstore config: give either a config file or inline YAML, not both");
  if (!hasFile && !hasYaml) throw new ConfigError("objstore config: no config file or inline YAML given");
  if (hasFile) {
    const file = src.configFile as string;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new ConfigError(`objstore config: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    return parseBucketConfig(text, env, file);
  }
  return parseBucketConfig(src.configYaml as string, env);
}

/** Parses Thanos objstore YAML. `source` names the file in error messages. */
export function parseBucketConfig(text: string, env: Env = process.env, source = "inline config"): BucketConfig {
  const where = `objstore config (${source})`;
  let doc: unknown;
  try {
    doc = parseYaml(expandEnv(text, env));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${where}: invalid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) throw new ConfigError(`${where}: empty`);
  const top = asMap(doc, where);
  checkKeys(top, ["type", "config", "prefix"], where);
  const rawType = top.type;
  if (typeof rawType !== "string" || rawType.trim() === "") throw new ConfigError(`${where}: missing "type" (FILESYSTEM or S3)`);
  // Thanos compares the type case-insensitively.
  const type = rawType.trim().toUpperCase();
  const prefix = optString(top, "prefix", where)?.replace(/^\/+|\/+$/g, "") ?? "";
  const config = top.config === undefined || top.config === null ? {} : asMap(top.config, `${where}: "config"`);
  switch (type) {
    case "FILESYSTEM":
      return { type, prefix, config: parseFilesystem(config, `${where}: FILESYSTEM config`) };
    case "S3":
      return { type, prefix, config: parseS3(config, `${where}: S3 config`) };
    default:
      throw new ConfigError(`${where}: unsupported type "${rawType}" (supported: FILESYSTEM, S3)`);
  }
}

/** Builds the bucket for a parsed config: backend, then prefix, then metrics outermost. */
export function createBucket(config: BucketConfig, metrics?: ObjstoreMetrics): Bucket {
  let bucket: Bucket = config.type === "FILESYSTEM" ? new FilesystemBucket(config.config.directory) : new S3Bucket(config.config);
  if (config.prefix !== "") bucket = new PrefixedBucket(bucket, config.prefix);
  return metrics ? instrumentBucket(bucket, metrics) : bucket;
}

function parseFilesystem(c: Record<string, unknown>, where: string): { directory: string } {
  checkKeys(c, ["directory"], where);
  const directory = optString(c, "directory", where);
  if (directory === undefined || directory.trim() === "") throw new ConfigError(`${where}: "directory" is required`);
  return { directory };
}

const S3_KEYS = [
  "bucket",
  "endpoint",
  "region",
  "access_key",
  "secret_key",
  "session_token",
  "insecure",
  "bucket_lookup_type",
  "part_size",
  "max_retries",
];

// Thanos S3 options this implementation does not have: rejected by name
// rather than silently ignored, since several change security or behaviour.
const THANOS_S3_UNSUPPORTED = new Set([
  "aws_sdk_auth",
  "disable_dualstack",
  "signature_version2",
  "put_user_metadata",
  "http_config",
  "trace",
  "list_objects_version",
  "send_content_md5",
  "disable_multipart",
  "sse_config",
  "sts_endpoint",
]);

const LOOKUP_TYPES: readonly BucketLookupType[] = ["auto", "virtual-hosted", "path"];

function parseS3(c: Record<string, unknown>, where: string): S3BucketOptions {
  for (const key of Object.keys(c)) {
    if (THANOS_S3_UNSUPPORTED.has(key)) throw new ConfigError(`${where}: "${key}" is a Thanos S3 option that parquet-gateway does not support; remove it`);
  }
  checkKeys(c, S3_KEYS, where);
  const bucket = optString(c, "bucket", where);
  if (bucket === undefined || bucket.trim() === "") throw new ConfigError(`${where}: "bucket" is required`);
  const lookup = optString(c, "bucket_lookup_type", where) ?? "auto";
  if (!(LOOKUP_TYPES as readonly string[]).includes(lookup)) {
    throw new ConfigError(`${where}: "bucket_lookup_type" must be one of ${LOOKUP_TYPES.join(", ")}, got "${lookup}"`);
  }
  const opts: S3BucketOptions = { bucket: bucket.trim(), bucketLookupType: lookup as BucketLookupType };
  const endpoint = optString(c, "endpoint", where);
  if (endpoint) opts.endpoint = endpoint.trim();
  const region = optString(c, "region", where);
  if (region) opts.region = region;
  const accessKey = optString(c, "access_key", where);
  if (accessKey) opts.accessKey = accessKey;
  const secretKey = optString(c, "secret_key", where);
  if (secretKey) opts.secretKey = secretKey;
  const sessionToken = optString(c, "session_token", where);
  if (sessionToken) opts.sessionToken = sessionToken;
  if (Boolean(opts.accessKey) !== Boolean(opts.secretKey)) {
    throw new ConfigError(`${where}: "access_key" and "secret_key" must be given together`);
  }
  const insecure = optBool(c, "insecure", where);
  if (insecure !== undefined) opts.insecure = insecure;
  const partSize = optInt(c, "part_size", where);
  if (partSize !== undefined && partSize !== 0) opts.partSize = partSize; // 0 = default, as in Thanos
  const maxRetries = optInt(c, "max_retries", where);
  // max_retries counts retries after the first attempt; 0 means "default", as in Thanos.
  if (maxRetries !== undefined && maxRetries > 0) opts.retry = { maxAttempts: maxRetries + 1 };
  checkS3Options(opts);
  return opts;
}

function asMap(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ConfigError(`${where}: expected a mapping`);
  return v as Record<string, unknown>;
}

function checkKeys(m: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(m)) {
    if (!allowed.includes(key)) throw new ConfigError(`${where}: unknown field "${key}" (allowed: ${allowed.join(", ")})`);
  }
}

function optString(m: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  // YAML turns unquoted digits into numbers; Thanos (Go) would read them as strings.
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new ConfigError(`${where}: "${key}" must be a string`);
}

function optBool(m: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new ConfigError(`${where}: "${key}" must be true or false`);
  return v;
}

function optInt(m: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new ConfigError(`${where}: "${key}" must be a non-negative integer`);
  return v;
}
