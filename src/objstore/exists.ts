// exists() for backends whose only cheap probe is a HEAD: not-found means
// false, any other failure (auth, unreachable) is still an error.
import type { Bucket } from "./bucket.js";
import { ObjectNotFoundError } from "./errors.js";

export async function existsViaAttributes(bucket: Pick<Bucket, "attributes">, key: string): Promise<boolean> {
  try {
    await bucket.attributes(key);
    return true;
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return false;
    throw err;
  }
}
