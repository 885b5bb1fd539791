// Small helpers shared by the tools: Prometheus-style durations, time
// parsing and "am I the entry point" detection.

import { realpathSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { fileURLToPath } from "node:url";

export { formatDuration, parseDuration } from "../src/util/duration.js";

/** Accepts RFC 3339 / ISO 8601, or a Unix timestamp in seconds (fractions allowed). Returns ms. */
export function parseTime(text: string): number {
  const s = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`invalid time: ${JSON.stringify(text)}`);
  return ms;
}

/** True when the module with this import.meta.url is the process entry point. */
export function isMainModule(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}

/** Adapts a parser for commander, so bad values get its "error: option ... argument ..." message. */
export function cliArg<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
    }
  };
}
