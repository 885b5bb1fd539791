// Orderings Parquet and Go use: unsigned byte order for BYTE_ARRAY, which for
// UTF-8 text is code point order. JavaScript's `<` compares UTF-16 code units
// and misorders supplementary characters against U+E000..U+FFFF.

/** Unsigned lexicographic byte order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Code point order, i.e. the byte order of the strings' UTF-8 encodings. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  // A surrogate (part of a code point ≥ U+10000) sorts after every BMP unit ≥ U+E000.
  const sa = ca >= 0xd800 && ca <= 0xdfff;
  const sb = cb >= 0xd800 && cb <= 0xdfff;
  if (sa !== sb && (sa ? cb : ca) >= 0xe000) return sa ? 1 : -1;
  return ca - cb;
}
