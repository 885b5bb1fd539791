// Workload files for `parquet-gateway cost`: the queries a deployment
// answers and how often.
//
//   queries:
//     - name: dashboard panel
//       selector: 'http_requests_total{code=~"5.."}'
//       range: 6h
//       rate_per_day: 2880
//     - name: series lookup
//       matchers: ['__name__="up"', 'job="api"']
//       range: 24h
//       skip_chunks: true
//       rate_per_day: 100
//     - name: pod picker
//       type: label_values
//       label: pod
//       range: 24h
//       rate_per_day: 500

import { parse as parseYaml } from "yaml";
import { InvalidMatcherError, type Matcher } from "../model/matchers.js";
import { parseSelector } from "../model/selector.js";
import { parseDuration } from "../util/duration.js";

export type QueryType = "series" | "label_names" | "label_values";

export interface WorkloadQuery {
  name: string;
  type: QueryType;
  /** Matchers as written, for reports. */
  selector: string;
  matchers: Matcher[];
  /** Length of the queried range, ending at the newest data in the bucket. */
  rangeMs: number;
  skipChunks: boolean;
  /** label_values only. */
  label?: string;
  ratePerDay: number;
}

export class WorkloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkloadError";
  }
}

const KEYS = new Set(["name", "type", "selector", "matchers", "range", "skip_chunks", "label", "rate_per_day"]);

export function parseWorkload(yamlText: string, source = "workload"): WorkloadQuery[] {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (e) {
    throw new WorkloadError(`${source}: invalid YAML: ${(e as Error).message}`);
  }
  // Either a bare list or { queries: [...] }.
  const list = Array.isArray(doc) ? doc : typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>)["queries"] : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new WorkloadError(`${source}: want a non-empty "queries:" list`);
  const names = new Set<string>();
  return list.map((raw: unknown, i) => {
    const at = `${source}: query ${i + 1}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new WorkloadError(`${at}: want a mapping`);
    const q = raw as Record<string, unknown>;
    for (const k of Object.keys(q)) if (!KEYS.has(k)) throw new WorkloadError(`${at}: unknown field ${JSON.stringify(k)} (known: ${[...KEYS].join(", ")})`);
    const name = q["name"];
    if (typeof name !== "string" || name === "") throw new WorkloadError(`${at}: name is required`);
    if (names.has(name)) throw new WorkloadError(`${at}: duplicate name ${JSON.stringify(name)}`);
    names.add(name);
    const where = `${source}: query ${JSON.stringify(name)}`;
    const type = (q["type"] ?? "series") as QueryType;
    if (type !== "series" && type !== "label_names" && type !== "label_values") throw new WorkloadError(`${where}: type must be series, label_names or label_values`);
    const { selector, matchers } = readMatchers(q, where, type === "series");
    const range = q["range"];
    if (typeof range !== "string") throw new WorkloadError(`${where}: range is required (a duration such as 1h)`);
    let rangeMs: number;
    try {
      rangeMs = parseDuration(range);
    } catch (e) {
      throw new WorkloadError(`${where}: ${(e as Error).message}`);
    }
    if (rangeMs <= 0) throw new WorkloadError(`${where}: range must be positive`);
    const rate = q["rate_per_day"];
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) throw new WorkloadError(`${where}: rate_per_day must be a non-negative number`);
    const skip = q["skip_chunks"] ?? false;
    if (typeof skip !== "boolean") throw new WorkloadError(`${where}: skip_chunks must be true or false`);
    const label = q["label"];
    if (type === "label_values" && (typeof label !== "string" || label === "")) throw new WorkloadError(`${where}: label_values needs label`);
    if (type !== "label_values" && label !== undefined) throw new WorkloadError(`${where}: label only applies to type label_values`);
    return { name, type, selector, matchers, rangeMs, skipChunks: skip, ratePerDay: rate, ...(typeof label === "string" ? { label } : {}) };
  });
}

function readMatchers(q: Record<string, unknown>, where: string, required: boolean): { selector: string; matchers: Matcher[] } {
  const sel = q["selector"];
  const ms = q["matchers"];
  if (sel !== undefined && ms !== undefined) throw new WorkloadError(`${where}: give selector or matchers, not both`);
  try {
    if (typeof sel === "string") return { selector: sel, matchers: parseSelector(sel) };
    if (Array.isArray(ms)) {
      const parts = ms.map((m) => {
        if (typeof m !== "string") throw new WorkloadError(`${where}: matchers must be strings like 'job="api"'`);
        return m;
      });
      const selector = `{${parts.join(", ")}}`;
      return { selector, matchers: parts.length ? parseSelector(selector) : [] };
    }
  } catch (e) {
    if (e instanceof InvalidMatcherError) throw new WorkloadError(`${where}: ${e.message}`);
    throw e;
  }
  if (sel !== undefined || ms !== undefined) throw new WorkloadError(`${where}: selector must be a string, matchers a list of strings`);
  if (required) throw new WorkloadError(`${where}: a series query needs selector or matchers`);
  return { selector: "", matchers: [] };
}
