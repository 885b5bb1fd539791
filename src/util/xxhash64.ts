// XXH64 (seed 0 by default) without BigInt: 64-bit lanes are kept as two
// unsigned 32-bit halves, and 64-bit products are built from 16-bit partial
// products (exact in doubles) plus Math.imul for the cross terms. Thanos puts
// xxhash64(chunk bytes) in every Chunk.hash; a BigInt version allocates on
// every operation and is far slower.
//
// Spec: https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md

// Primes as [hi, lo].
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// The four accumulator lanes of the stripe loop, [hi, lo] each.
const lanes = new Uint32Array(8);

// Result registers of the helpers below (avoids allocating pairs).
let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 → rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const c = a0 * b0;
  const m = a1 * b0 + (c >>> 16);
  const n = a0 * b1 + (m & 0xffff);
  const hi = a1 * b1 + (m >>> 16) + (n >>> 16);
  rl = (((n & 0xffff) << 16) | (c & 0xffff)) >>> 0;
  rh = (hi + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64 → rh:rl. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** rotl64(h:l, r) for 0 < r < 32 → rh:rl. */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** round(acc, input) = rotl(acc + input * P2, 31) * P1 → rh:rl. */
function round(ah: number, al: number, ih: number, il: number): void {
  mul(ih, il, P2H, P2L);
  add(ah, al, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** mergeRound(acc, val) = (acc ^ round(0, val)) * P1 + P4 → rh:rl. */
function mergeRound(ah: number, al: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  mul((ah ^ rh) >>> 0, (al ^ rl) >>> 0, P1H, P1L);
  add(rh, rl, P4H, P4L);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/**
 * XXH64 of `data` with a 64-bit seed given as two halves; the result goes to
 * out[0] (low 32 bits) and out[1] (high 32 bits).
 */
export function xxhash64Into(data: Uint8Array, out: Uint32Array, seedHi = 0, seedLo = 0): void {
  const len = data.length;
  let p = 0;
  let hh: number, hl: number;
  if (len >= 32) {
    add(seedHi, seedLo, P1H, P1L);
    add(rh, rl, P2H, P2L);
    let v1h = rh, v1l = rl;
    add(seedHi, seedLo, P2H, P2L);
    let v2h = rh, v2l = rl;
    let v3h = seedHi >>> 0, v3l = seedLo >>> 0;
    // seed - P1 = seed + (2^64 - P1)
    add(seedHi, seedLo, ~P1H >>> 0, (-P1L) >>> 0); // P1L != 0, so no borrow into the high half
    let v4h = rh, v4l = rl;
    const limit = len - 32;
    // The stripe loop dominates for chunk-sized inputs: round() is inlined
    // on locals (per lane: acc += in * P2; acc = rotl(acc, 31); acc *= P1),
    // with the lanes in a typed array as [hi, lo] pairs.
    const v = lanes;
    v[0] = v1h; v[1] = v1l; v[2] = v2h; v[3] = v2l; v[4] = v3h; v[5] = v3l; v[6] = v4h; v[7] = v4l;
    while (p <= limit) {
      for (let j = 0; j < 8; j += 2) {
        const q = p + j * 4;
        const il = u32(data, q);
        const ih = u32(data, q + 4);
        // x = in * P2
        let a0 = il & 0xffff, a1 = il >>> 16;
        let c = a0 * 0xeb4f, m = a1 * 0xeb4f + (c >>> 16), n = a0 * 0x27d4 + (m & 0xffff);
        const xl = ((n << 16) | (c & 0xffff)) >>> 0;
        const xh = a1 * 0x27d4 + (m >>> 16) + (n >>> 16) + Math.imul(ih, P2L) + Math.imul(il, P2H);
        // t = acc + x
        const sl = v[j + 1]! + xl;
        const th = (v[j]! + xh + (sl > 0xffffffff ? 1 : 0)) >>> 0;
        const tl = sl >>> 0;
        // r = rotl(t, 31)
        const rH = ((th << 31) | (tl >>> 1)) >>> 0;
        const rL = ((tl << 31) | (th >>> 1)) >>> 0;
        // acc = r * P1
        a0 = rL & 0xffff; a1 = rL >>> 16;
        c = a0 * 0xca87; m = a1 * 0xca87 + (c >>> 16); n = a0 * 0x85eb + (m & 0xffff);
        v[j + 1] = (n << 16) | (c & 0xffff);
        v[j] = a1 * 0x85eb + (m >>> 16) + (n >>> 16) + Math.imul(rH, P1L) + Math.imul(rL, P1H);
      }
      p += 32;
    }
    v1h = v[0]!; v1l = v[1]!; v2h = v[2]!; v2l = v[3]!; v3h = v[4]!; v3l = v[5]!; v4h = v[6]!; v4l = v[7]!;
    rotl(v1h, v1l, 1);
    hh = rh; hl = rl;
    rotl(v2h, v2l, 7);
    add(hh, hl, rh, rl);
    hh = rh; hl = rl;
    rotl(v3h, v3l, 12);
    add(hh, hl, rh, rl);
    hh = rh; hl = rl;
    rotl(v4h, v4l, 18);
    add(hh, hl, rh, rl);
    hh = rh; hl = rl;
    mergeRound(hh, hl, v1h, v1l);
    mergeRound(rh, rl, v2h, v2l);
    mergeRound(rh, rl, v3h, v3l);
    mergeRound(rh, rl, v4h, v4l);
    hh = rh; hl = rl;
  } else {
    add(seedHi, seedLo, P5H, P5L);
    hh = rh; hl = rl;
  }
  // h += len (len < 2^53, so split into halves)
  add(hh, hl, Math.floor(len / 4294967296) >>> 0, len >>> 0);
  hh = rh; hl = rl;

  while (p + 8 <= len) {
    round(0, 0, u32(data, p + 4), u32(data, p));
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L);
    hh = rh; hl = rl;
    p += 8;
  }
  if (p + 4 <= len) {
    mul(0, u32(data, p), P1H, P1L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L);
    hh = rh; hl = rl;
    p += 4;
  }
  while (p < len) {
    mul(0, data[p]!, P5H, P5L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 11);
    mul(rh, rl, P1H, P1L);
    hh = rh; hl = rl;
    p++;
  }

  // Avalanche.
  hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
  mul(hh, hl, P2H, P2L);
  hh = rh; hl = rl;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0; // h ^= h >> 29
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L);
  hh = rh; hl = rl;
  hl = (hl ^ hh) >>> 0; // h ^= h >> 32
  out[0] = hl;
  out[1] = hh;
}

const scratch = new Uint32Array(2);

/** XXH64 as a bigint (convenient, slower than xxhash64Into). */
export function xxhash64(data: Uint8Array, seed = 0n): bigint {
  const s = BigInt.asUintN(64, seed);
  xxhash64Into(data, scratch, Number(s >> 32n), Number(s & 0xffffffffn));
  return (BigInt(scratch[1]!) << 32n) | BigInt(scratch[0]!);
}
