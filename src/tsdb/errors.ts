// Every corruption is reported with the file and byte offset where it was
// found, so an operator can locate the damage in a multi-GB block.

export class CorruptBlockError extends Error {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, what: string, options?: { cause?: unknown }) {
    super(`corrupt block: ${file} at offset ${offset}: ${what}`, options);
    this.name = "CorruptBlockError";
    this.file = file;
    this.offset = offset;
  }
}
