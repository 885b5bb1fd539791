// Prometheus-style durations ("15s", "2h", "1h30m", "500ms", "1d"), as flags
// and configs across the Prometheus ecosystem spell them.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

export class DurationError extends Error {
  constructor(text: string) {
    super(`invalid duration ${JSON.stringify(text)}: want e.g. 15s, 2h, 1h30m`);
    this.name = "DurationError";
  }
}

/** Milliseconds; a bare integer is taken as milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== s.length || s.length === 0) throw new DurationError(text);
  return Math.round(total);
}

/** Formats like Prometheus' model.Duration: "2h", "1h30m", "500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of ["y", "w", "d", "h", "m", "s", "ms"]) {
    const u = UNIT_MS[unit]!;
    const n = Math.floor(rest / u);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * u;
    }
  }
  return out;
}
