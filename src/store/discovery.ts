// Finds published units in a bucket: `<stream>/<partition>/meta.json`.
// Units without meta.json (still being written, or killed mid-write) and units
// with a deletion mark are ignored.

import type { Bucket } from "../objstore/bucket.js";
import { DELETION_MARK, parsePartitionName, parseUnitMeta, UNIT_META, UnitMetaError, type UnitMeta } from "../parquet/layout.js";

export interface UnitRef {
  prefix: string;
  meta: UnitMeta;
}

export interface DiscoveryResult {
  units: UnitRef[];
  /** Units skipped and why, for logs. */
  ignored: { prefix: string; reason: string }[];
}

export async function discoverUnits(bucket: Bucket): Promise<DiscoveryResult> {
  const units: UnitRef[] = [];
  const ignored: { prefix: string; reason: string }[] = [];
  for await (const streamDir of bucket.list("", { recursive: false })) {
    if (!streamDir.endsWith("/")) continue;
    for await (const unitDir of bucket.list(streamDir, { recursive: false })) {
      if (!unitDir.endsWith("/") || !parsePartitionName(unitDir.slice(streamDir.length, -1))) continue;
      const names = new Set<string>();
      for await (const k of bucket.list(unitDir, { recursive: false })) names.add(k.slice(unitDir.length));
      if (!names.has(UNIT_META)) {
        ignored.push({ prefix: unitDir, reason: "no meta.json (unpublished)" });
        continue;
      }
      if (names.has(DELETION_MARK)) {
        ignored.push({ prefix: unitDir, reason: "deletion mark" });
        continue;
      }
      try {
        units.push({ prefix: unitDir, meta: parseUnitMeta(await bucket.get(unitDir + UNIT_META), unitDir + UNIT_META) });
      } catch (e) {
        // One bad unit must not hide the others; it is reported and skipped.
        if (!(e instanceof UnitMetaError)) throw e;
        ignored.push({ prefix: unitDir, reason: e.message });
      }
    }
  }
  units.sort((a, b) => a.meta.minTime - b.meta.minTime || (a.prefix < b.prefix ? -1 : 1));
  return { units, ignored };
}
