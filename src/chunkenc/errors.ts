// Decoders throw only this error type on malformed input, so callers can tell
// a corrupt chunk apart from a programming error.

export class ChunkDecodeError extends Error {
  /** Bit offset into the chunk data (header included) where decoding failed, if known. */
  readonly bitOffset: number | undefined;
  constructor(message: string, bitOffset?: number) {
    super(message);
    this.name = "ChunkDecodeError";
    this.bitOffset = bitOffset;
  }
}

/** Error for a read that would run past the end of the chunk data. */
export function endOfData(what: string, bitOffset: number, needBits: number, endBits: number): ChunkDecodeError {
  const left = Math.max(0, endBits - bitOffset);
  return new ChunkDecodeError(
    `unexpected end of chunk data reading ${what} at bit offset ${bitOffset} (need ${needBits} bits, ${left} left of ${endBits})`,
    bitOffset,
  );
}
