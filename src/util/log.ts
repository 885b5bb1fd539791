// Structured logs (pino) on stderr, so stdout stays clean for data output.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { app: "parquet-gateway" } }, pino.destination(2));
}
