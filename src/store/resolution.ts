// Which resolution a unit is read at, following Thanos' bucketBlockSet.getFor
// (pkg/store/bucket.go): start at the coarsest level not above the request's
// max_resolution_window, and fill what it does not cover with finer levels.
// A unit covers its whole partition at every resolution it lists, so per unit
// this is the coarsest listed level not above the window; a unit without any
// such level contributes nothing (e.g. an aggregates-only unit at window 0).

const LEVELS = [3_600_000, 300_000, 0] as const;

export function pickResolution(unitResolutions: readonly number[], maxResolutionWindow: number): number | undefined {
  for (const r of LEVELS) if (r <= maxResolutionWindow && unitResolutions.includes(r)) return r;
  return undefined;
}
