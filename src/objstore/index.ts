// Public surface of the object-store layer.

export type { Bucket, ListOptions, ObjectAttributes } from "./bucket.js";
export {
  AuthError,
  ConfigError,
  ObjectNotFoundError,
  ObjectRangeError,
  ObjstoreError,
  ServerError,
  UnreachableError,
  type ObjstoreErrorKind,
} from "./errors.js";
export { FilesystemBucket } from "./filesystem.js";
export { S3Bucket, DEFAULT_PART_SIZE, checkS3Options, type S3BucketOptions, type BucketLookupType } from "./s3.js";
export { PrefixedBucket } from "./prefixed.js";
export { DEFAULT_RETRY_POLICY, backoffDelay, isRetryableError, withRetry, type RetryContext, type RetryPolicy } from "./retry.js";
export {
  METRIC_NAMES,
  OBJSTORE_OPERATIONS,
  instrumentBucket,
  objstoreMetrics,
  type ObjstoreMetrics,
  type ObjstoreOperation,
} from "./metrics.js";
export {
  createBucket,
  expandEnv,
  loadBucketConfig,
  parseBucketConfig,
  type BucketConfig,
  type BucketConfigSource,
  type FilesystemBucketConfig,
  type S3BucketConfig,
} from "./config.js";
