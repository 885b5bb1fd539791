// Which resolutions a unit stores, and where each comes from: downsampled
// source blocks of that resolution when the unit has any (their chunks go in
// as they are), otherwise, with --downsample, computed: 5m from the raw
// samples, 1h from the 5m chunks.

import type { AggPlan } from "../downsample/series.js";
import { canComputeResolution, RES_1H, RES_5M } from "../downsample/types.js";
import type { Unit } from "./plan.js";

export interface UnitResolutions {
  plan: AggPlan;
  /** Resolutions the unit's meta.json lists, ascending (0 = raw). */
  resolutions: number[];
}

export function planResolutions(unit: Unit, opts: { downsample?: boolean; dataColDurationMs: number }): UnitResolutions {
  const has = (r: number): boolean => unit.blocks.some((b) => b.meta.thanos.resolution === r);
  const w = { start: unit.start, end: unit.end, durationMs: opts.dataColDurationMs };
  const raw = has(0);
  const plan: AggPlan = {};
  if (has(RES_5M)) plan[RES_5M] = "source";
  else if (opts.downsample && raw && canComputeResolution(RES_5M, w)) plan[RES_5M] = "compute";
  if (has(RES_1H)) plan[RES_1H] = "source";
  else if (opts.downsample && plan[RES_5M] && canComputeResolution(RES_1H, w)) plan[RES_1H] = "compute";
  const resolutions = [...(raw ? [0] : []), ...(plan[RES_5M] ? [RES_5M] : []), ...(plan[RES_1H] ? [RES_1H] : [])];
  return { plan, resolutions };
}
