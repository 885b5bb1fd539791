// Minimal chunk segment walker for tests: header (magic 0x85BD40DD, version,
// 3 pad bytes) then records `uvarint len | encoding | data | CRC32C BE`.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface RawChunk {
  offset: number;
  encoding: number;
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function readSegment(path: string): RawChunk[] {
  const buf = new Uint8Array(readFileSync(path));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0) !== 0x85bd40dd) throw new Error(`${path}: bad magic`);
  const chunks: RawChunk[] = [];
  let p = 8;
  while (p < buf.length) {
    const offset = p;
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = buf[p++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (len === 0 && buf[p] === 0) break; // zero padding at the end, if any
    const encoding = buf[p];
    const data = buf.subarray(p + 1, p + 1 + len);
    const crc = view.getUint32(p + 1 + len);
    if (crc32c(buf.subarray(p, p + 1 + len)) !== crc) throw new Error(`${path}: CRC mismatch at ${offset}`);
    chunks.push({ offset, encoding, data });
    p += 1 + len + 4;
  }
  return chunks;
}

export const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

/** The chunks/000001 segment of the single block under a fixture directory. */
export function fixtureSegment(fixture: string): string {
  const dir = join(FIXTURES, fixture);
  const blocks = readdirSync(dir).filter((d) => /^[0-9A-Z]{26}$/.test(d));
  if (blocks.length !== 1) throw new Error(`${dir}: expected one block, found ${blocks.length}`);
  return join(dir, blocks[0], "chunks", "000001");
}
