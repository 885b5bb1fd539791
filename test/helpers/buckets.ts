// Bucket configs for CLI tests: a FILESYSTEM bucket in a temp dir, or an S3
// bucket on the suite's S3 server (s3rver, or S3_ENDPOINT).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { createBucket, parseBucketConfig } from "../../src/objstore/index.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import type { TestS3 } from "../setup/s3.js";

export type BucketKind = "FILESYSTEM" | "S3";

export interface TestBucket {
  kind: BucketKind;
  /** Path of an objstore YAML file for --objstore.config-file. */
  configFile: string;
  yaml: string;
  open(): Bucket;
  cleanup(): void;
}

export async function newTestBucket(kind: BucketKind, s3?: TestS3): Promise<TestBucket> {
  const dir = mkdtempSync(join(tmpdir(), "pg-bucket-"));
  let yaml: string;
  if (kind === "FILESYSTEM") {
    yaml = `type: FILESYSTEM\nconfig:\n  directory: ${join(dir, "data")}\n`;
  } else {
    if (!s3) throw new Error("S3 bucket needs a server");
    const name = `pg-${randomBytes(6).toString("hex")}`;
    const client = new S3Client({ endpoint: `${s3.insecure ? "http" : "https"}://${s3.endpoint}`, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey } });
    await client.send(new CreateBucketCommand({ Bucket: name }));
    client.destroy();
    yaml = `type: S3\nconfig:\n  bucket: ${name}\n  endpoint: ${s3.endpoint}\n  region: ${s3.region}\n  access_key: ${s3.accessKey}\n  secret_key: ${s3.secretKey}\n  insecure: ${s3.insecure}\n`;
  }
  const configFile = join(dir, "objstore.yml");
  writeFileSync(configFile, yaml);
  return {
    kind,
    configFile,
    yaml,
    open: () => createBucket(parseBucketConfig(yaml)),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
