// Shared flag parsing with errors that name the flag.
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

export function parseTimeFlag(v: string | undefined, dflt: number, flag: string): number {
  if (v === undefined) return dflt;
  if (!/^-?\d+$/.test(v.trim())) throw new FlagError(`${flag}: invalid timestamp ${JSON.stringify(v)}, want milliseconds since epoch`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) return n < 0 ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  return n;
}
