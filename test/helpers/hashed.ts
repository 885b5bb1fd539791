// Passes lines through while hashing them, so a streaming comparison can also
// assert that two dumps are the very same text, byte for byte.
import { createHash } from "node:crypto";

export function hashed(lines: AsyncIterable<string>): { lines: AsyncGenerator<string>; digest: () => string } {
  const h = createHash("sha256");
  async function* tee(): AsyncGenerator<string> {
    for await (const l of lines) {
      h.update(l + "\n");
      yield l;
    }
  }
  return { lines: tee(), digest: () => h.digest("hex") };
}
