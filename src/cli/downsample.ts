// `parquet-gateway downsample`: adds 5m and 1h aggregate files to units
// already converted, as `convert --downsample` would have written them.
import type { Command } from "commander";
import { downsampleUnit } from "../convert/downsample_units.js";
import { discoverUnits } from "../store/discovery.js";
import { createLogger } from "../util/log.js";
import { addBucketFlags, bucketFromFlags } from "./bucket_flags.js";

export function registerDownsample(program: Command): void {
  const cmd = program.command("downsample").description("add 5m and 1h aggregates (Thanos downsampling) to converted units that lack them");
  addBucketFlags(cmd);
  cmd.action(async (o: { "objstore.configFile"?: string; "objstore.config"?: string }) => {
    const log = createLogger();
    const bucket = await bucketFromFlags(o["objstore.configFile"], o["objstore.config"]);
    let failed = 0;
    const sum = { units: 0, written: 0, skipped: 0 };
    try {
      const { units } = await discoverUnits(bucket);
      for (const u of units) {
        sum.units++;
        try {
          const r = await downsampleUnit(bucket, u, { createdBy: "parquet-gateway 0.1.0" }, log);
          if (r.status === "skipped") {
            sum.skipped++;
            log.info({ unit: u.prefix, reason: r.reason }, "unit skipped");
          } else {
            sum.written++;
            log.info({ unit: u.prefix, added: r.added, resolutions: r.meta.resolutions }, "unit downsampled");
          }
        } catch (e) {
          failed++;
          log.error({ unit: u.prefix, err: (e as Error).message }, "unit downsampling failed; its meta.json is unchanged");
        }
      }
      log.info({ ...sum, failed }, "downsampling finished");
    } finally {
      await bucket.close();
    }
    if (failed > 0) process.exitCode = 1;
  });
}
