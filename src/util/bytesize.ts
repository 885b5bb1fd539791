// Byte sizes as Thanos flags spell them: 512MB, 1GiB, 64KiB, or plain bytes.
const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseByteSize(text: string, flag = "size"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[(m[2] || "b").toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`${flag}: invalid byte size ${JSON.stringify(text)}, want e.g. 512MB, 1GiB, 65536`);
  return Math.round(Number(m[1]) * unit);
}

/** Human-readable bytes in binary units: 512 B, 1.5 KiB, 3.2 GiB. */
export function formatBytes(n: number): string {
  if (Number.isNaN(n)) return "-";
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}
