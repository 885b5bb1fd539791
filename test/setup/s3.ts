// S3 endpoint for tests: an external one from S3_ENDPOINT, or s3rver in a
// child process. s3rver runs under the repo's Node with
// --openssl-legacy-provider because its ListObjectsV2 continuation tokens use
// DES, which OpenSSL 3 only offers through the legacy provider.

import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface TestS3 {
  /** host:port, no scheme (Thanos style); use insecure: true unless S3_INSECURE=false. */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  insecure: boolean;
  region: string;
  /** True when S3_ENDPOINT points at an external server; false for the embedded s3rver. */
  external: boolean;
  stop(): Promise<void>;
}

/** s3rver's built-in credentials. */
const S3RVER_KEY = "S3RVER";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The Node pinned by the repo (node_modules/.bin/node), else whatever runs the tests. */
function repoNode(): string {
  const pinned = path.join(repoRoot, "node_modules", ".bin", "node");
  return existsSync(pinned) ? pinned : process.execPath;
}

function adminClient(endpoint: string, insecure: boolean, region: string, accessKey: string, secretKey: string): S3Client {
  return new S3Client({
    endpoint: `${insecure ? "http" : "https"}://${endpoint}`,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export async function startS3(): Promise<TestS3> {
  const external = process.env.S3_ENDPOINT;
  if (external) return useExternal(external);
  return startS3rver();
}

async function useExternal(endpoint: string): Promise<TestS3> {
  const accessKey = process.env.S3_ACCESS_KEY ?? "minioadmin";
  const secretKey = process.env.S3_SECRET_KEY ?? "minioadmin";
  const insecure = process.env.S3_INSECURE !== "false";
  const region = process.env.S3_REGION ?? "us-east-1";
  const client = adminClient(endpoint, insecure, region, accessKey, secretKey);
  const given = process.env.S3_BUCKET;
  const bucket = given ?? `pgw-test-${randomBytes(6).toString("hex")}`;
  if (given === undefined) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } else {
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
      const name = (err as { name?: string }).name;
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw err;
    });
  }
  return {
    endpoint,
    bucket,
    accessKey,
    secretKey,
    insecure,
    region,
    external: true,
    async stop() {
      // Only remove what this run created; a given S3_BUCKET is left in place.
      if (given === undefined) {
        await emptyBucket(client, bucket).catch(() => {});
        await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
      }
      client.destroy();
    },
  };
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key ?? "" }));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
}

async function startS3rver(): Promise<TestS3> {
  const dir = await mkdtemp(path.join(tmpdir(), "pgw-s3rver-"));
  const bin = createRequire(import.meta.url).resolve("s3rver/bin/s3rver.js");
  const child = spawn(
    repoNode(),
    ["--openssl-legacy-provider", bin, "--directory", dir, "--address", "127.0.0.1", "--port", "0", "--silent"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // If the test worker dies without calling stop(), don't leave the server behind.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  let port: number;
  try {
    port = await waitForPort(child);
  } catch (err) {
    child.kill("SIGKILL");
    process.removeListener("exit", killOnExit);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `127.0.0.1:${port}`;
  const bucket = `pgw-test-${randomBytes(6).toString("hex")}`;
  const client = adminClient(endpoint, true, "us-east-1", S3RVER_KEY, S3RVER_KEY);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    endpoint,
    bucket,
    accessKey: S3RVER_KEY,
    secretKey: S3RVER_KEY,
    insecure: true,
    region: "us-east-1",
    external: false,
    async stop() {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the port s3rver prints ("S3rver listening on 127.0.0.1:PORT"). */
function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within 20 s\n${out}${err}`)), 20_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      reject(e);
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      if (out.length > 64 * 1024) return; // keep draining, stop collecting
      out += chunk.toString();
      const m = /listening on [^\s:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (err.length < 64 * 1024) err += chunk.toString();
    });
    child.once("error", fail);
    child.once("exit", (code, signal) => fail(new Error(`s3rver exited early (code ${code}, signal ${signal})\n${out}${err}`)));
  });
}
