// Error classes of the PromQL engine. `kind` mirrors the Prometheus HTTP API
// errorType so an API layer can map it without string matching.

export type PromQLErrorKind = "bad_data" | "execution" | "timeout" | "canceled" | "internal";

export class PromQLError extends Error {
  constructor(
    readonly kind: PromQLErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PromQLError";
  }
}

/** A syntax or type error, formatted like Prometheus: `1:5: parse error: ...`. */
export class ParseError extends PromQLError {
  constructor(
    readonly query: string,
    /** UTF-16 offset of the error in the query. */
    readonly position: number,
    readonly detail: string,
  ) {
    super("bad_data", `${positionPrefix(query, position)} parse error: ${detail}`);
    this.name = "ParseError";
  }
}

/**
 * "line:col:" as Prometheus prints it: col is 1-based and counted in UTF-8
 * bytes, because Go positions are byte offsets.
 */
function positionPrefix(query: string, position: number): string {
  if (position < 0 || position > query.length) return "invalid position:";
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const col = Buffer.byteLength(query.slice(lineStart, position), "utf8") + 1;
  return `${line}:${col}:`;
}

/** Evaluation errors Prometheus raises with a fixed text, e.g. too many samples. */
export function tooManySamples(env: string): PromQLError {
  return new PromQLError("execution", `query processing would load too many samples into memory in ${env}`);
}

export function timedOut(env: string): PromQLError {
  return new PromQLError("timeout", `query timed out in ${env}`);
}

export function canceled(env: string): PromQLError {
  return new PromQLError("canceled", `query was canceled in ${env}`);
}

export function execError(message: string): PromQLError {
  return new PromQLError("execution", message);
}
