// Thanos-style bucket flags shared by every command that touches a bucket.
import type { Command } from "commander";
import type { Bucket } from "../objstore/bucket.js";
import { createBucket, loadBucketConfig, objstoreMetrics } from "../objstore/index.js";
import { FlagError } from "./flags.js";

export interface BucketFlags {
  objstoreConfigFile?: string;
  objstoreConfig?: string;
}

export function addBucketFlags(cmd: Command, prefix = "objstore", what = "bucket"): Command {
  return cmd.option(`--${prefix}.config-file <file>`, `${what}: Thanos objstore YAML file`).option(`--${prefix}.config <yaml>`, `${what}: Thanos objstore YAML, inline`);
}

export async function bucketFromFlags(configFile: string | undefined, configYaml: string | undefined, flag = "--objstore.config-file"): Promise<Bucket> {
  if (!configFile && !configYaml) throw new FlagError(`${flag} or its inline form is required`);
  if (configFile && configYaml) throw new FlagError(`give only one of ${flag} and its inline form`);
  const cfg = await loadBucketConfig(configFile ? { configFile } : { configYaml: configYaml! });
  return createBucket(cfg, objstoreMetrics());
}

/** --label k=v (repeatable), as Thanos external-label flags. */
export function collectLabel(v: string, prev: Record<string, string>): Record<string, string> {
  const i = v.indexOf("=");
  if (i <= 0) throw new FlagError(`--label ${JSON.stringify(v)}: want name=value`);
  const name = v.slice(0, i);
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new FlagError(`--label ${JSON.stringify(v)}: invalid label name`);
  return { ...prev, [name]: v.slice(i + 1).replace(/^"(.*)"$/, "$1") };
}
