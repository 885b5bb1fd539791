// Object-key validation. Keys are "/"-separated relative paths; anything that
// could escape a filesystem root or has no single file-path meaning is refused.

import { ObjstoreError } from "./errors.js";

function invalid(what: string, value: string, why: string): ObjstoreError {
  return new ObjstoreError("invalid", `invalid object ${what} ${JSON.stringify(value)}: ${why}`, value);
}

function checkSegments(what: string, value: string, segments: string[]): void {
  for (const seg of segments) {
    if (seg === "") throw invalid(what, value, "empty path segment");
    if (seg === "." || seg === "..") throw invalid(what, value, `"${seg}" segments are not allowed`);
  }
}

function checkCommon(what: string, value: string): void {
  if (value.startsWith("/")) throw invalid(what, value, "absolute keys are not allowed");
  if (value.includes("\0")) throw invalid(what, value, "NUL byte");
  if (value.includes("\\")) throw invalid(what, value, "backslashes are not allowed");
}

/** Validates an object key and returns its path segments. */
export function keySegments(key: string): string[] {
  if (key === "") throw invalid("key", key, "empty key");
  checkCommon("key", key);
  if (key.endsWith("/")) throw invalid("key", key, "keys cannot end with '/'");
  const segments = key.split("/");
  checkSegments("key", key, segments);
  return segments;
}

/**
 * Validates a list prefix and splits it into the directory part (segments up
 * to the last "/") and the partial name that entries of that directory must
 * start with. "" lists the root; "a/b" lists entries of "a" starting with "b".
 */
export function splitPrefix(prefix: string): { dir: string[]; namePrefix: string } {
  if (prefix === "") return { dir: [], namePrefix: "" };
  checkCommon("prefix", prefix);
  const cut = prefix.lastIndexOf("/");
  const dir = cut < 0 ? [] : prefix.slice(0, cut).split("/");
  const namePrefix = prefix.slice(cut + 1);
  // The partial name is only matched against directory entries, never joined
  // into a path, so it needs no segment checks.
  checkSegments("prefix", prefix, dir);
  return { dir, namePrefix };
}

/** Rejects negative, fractional or unsafe offsets and lengths before any I/O. */
export function checkRange(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new ObjstoreError("invalid", `invalid range offset=${offset} length=${length} for ${key}`, key);
  }
}
