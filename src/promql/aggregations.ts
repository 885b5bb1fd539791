// Aggregation operators (sum, avg, count, min, max, group, stddev, stdvar,
// topk, bottomk, count_values, quantile) over one step's vector, as
// Prometheus 2.42's evaluator.aggregation computes them.

import { compareStrings, type Labels } from "../model/labels.js";
import type { AggregateOp } from "./ast.js";
import { execError } from "./errors.js";
import { formatFloatF } from "./gofloat.js";
import { heapPop, heapPush, type Less } from "./heap.js";
import { quantile } from "./quantile.js";
import { deleteLabels, keepLabels, METRIC_NAME, setLabel, type Sample, type Vector } from "./value.js";

const labelNameRE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Key of the group a series falls in: `without` hashes all labels but
 * __name__ and the listed ones, `by` only the listed ones. grouping is sorted.
 */
export function groupingKey(metric: Labels, grouping: readonly string[], without: boolean): string {
  let k = "";
  if (without) {
    for (const l of metric) if (l.name !== METRIC_NAME && !grouping.includes(l.name)) k += l.name + "\u0000" + l.value + "\u0001";
  } else if (grouping.length > 0) {
    for (const l of metric) if (grouping.includes(l.name)) k += l.name + "\u0000" + l.value + "\u0001";
  }
  return k;
}

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  heap: Sample[];
  values: number[];
}

/** vectorByValueHeap: NaN first, then ascending. */
const byValue: Less<Sample> = (a, b) => Number.isNaN(a.v) || a.v < b.v;
/** vectorByReverseValueHeap: NaN first, then descending. */
const byReverseValue: Less<Sample> = (a, b) => Number.isNaN(a.v) || a.v > b.v;

/**
 * The grouping labels count_values uses at each step of `by` aggregations.
 * 2.42 appends the value label to the parser's grouping slice and sorts it
 * in place; when that slice has spare capacity (Go's append doubling gives
 * 3 labels capacity 4, 5-7 labels 8, ...) the append writes into the array
 * the query keeps using, so from the second step on labels sort out of the
 * visible part. Reproduced here because it changes results.
 */
export class CountValuesGrouping {
  private readonly backing: string[];

  constructor(private readonly grouping: readonly string[]) {
    this.backing = [...grouping];
  }

  next(valueLabel: string): string[] {
    const n = this.grouping.length;
    if (goAppendCapacity(n) === n) return [...this.backing, valueLabel].sort(compareGo);
    this.backing[n] = valueLabel;
    this.backing.sort(compareGo);
    const step = [...this.backing];
    this.backing.length = n;
    return step;
  }
}

/** Capacity of a slice grown by appending one element at a time from []string{x}. */
function goAppendCapacity(len: number): number {
  if (len === 0) return 0;
  let cap = 1;
  while (cap < len) cap *= 2;
  return cap;
}

function compareGo(a: string, b: string): number {
  return compareStrings(a, b);
}

export function aggregate(
  op: AggregateOp,
  grouping: readonly string[],
  without: boolean,
  param: number | string | null,
  vec: Vector,
  keys: readonly string[],
  countValuesGrouping?: CountValuesGrouping,
): Vector {
  let k = 0;
  if (op === "topk" || op === "bottomk") {
    const f = param as number;
    if (!(f <= 9223372036854775807 && f >= -9223372036854775808)) throw execError(`Scalar value ${goFormatV(f)} overflows int64`);
    k = Math.trunc(f);
    if (k < 1) return [];
  }
  const q = op === "quantile" ? (param as number) : 0;
  let valueLabel = "";
  let groupBy = grouping;
  if (op === "count_values") {
    valueLabel = param as string;
    if (!labelNameRE.test(valueLabel)) throw execError(`invalid label name ${JSON.stringify(valueLabel)}`);
    if (!without) groupBy = countValuesGrouping ? countValuesGrouping.next(valueLabel) : [...grouping, valueLabel].sort(compareGo);
  }

  const groups = new Map<string, Group>();
  const ordered: Group[] = [];
  for (let si = 0; si < vec.length; si++) {
    const s = vec[si]!;
    let metric = s.metric;
    let key: string;
    if (op === "count_values") {
      metric = setLabel(metric, valueLabel, formatFloatF(s.v));
      key = groupingKey(metric, groupBy, without);
    } else {
      key = keys[si]!;
    }
    const group = groups.get(key);
    if (!group) {
      let labels: Labels;
      if (without) labels = deleteLabels(metric, [...groupBy, METRIC_NAME]);
      else if (groupBy.length > 0) labels = keepLabels(metric, groupBy);
      else labels = [];
      const g: Group = { labels, value: s.v, mean: s.v, count: 1, heap: [], values: [] };
      if (op === "stddev" || op === "stdvar") g.value = 0;
      else if (op === "group") g.value = 1;
      else if (op === "topk" || op === "bottomk") g.heap = [{ metric: s.metric, t: 0, v: s.v }];
      else if (op === "quantile") g.values = [s.v];
      groups.set(key, g);
      ordered.push(g);
      continue;
    }
    accumulate(op, group, s, k);
  }

  const out: Vector = [];
  for (const g of ordered) {
    let v = g.value;
    switch (op) {
      case "avg":
        v = g.mean;
        break;
      case "count":
      case "count_values":
        v = g.count;
        break;
      case "stdvar":
        v = g.value / g.count;
        break;
      case "stddev":
        v = Math.sqrt(g.value / g.count);
        break;
      case "topk":
      case "bottomk": {
        // The heap keeps the weakest element on top; emit best first.
        const less = op === "topk" ? byValue : byReverseValue;
        const sorted = [...g.heap].sort((a, b) => (less(b, a) && !less(a, b) ? -1 : less(a, b) && !less(b, a) ? 1 : 0));
        for (const s of sorted) out.push({ metric: s.metric, t: 0, v: s.v });
        continue;
      }
      case "quantile":
        v = quantile(q, g.values);
        break;
      default:
        break;
    }
    out.push({ metric: g.labels, t: 0, v });
  }
  return out;
}

function accumulate(op: AggregateOp, g: Group, s: Sample, k: number): void {
  const v = s.v;
  switch (op) {
    case "sum":
      g.value += v;
      return;
    case "avg":
      g.count++;
      if (!Number.isFinite(g.mean) && !Number.isNaN(g.mean)) {
        // An infinite mean stays as is unless an opposite infinity or NaN arrives.
        if (!Number.isFinite(v) && !Number.isNaN(v) && g.mean > 0 === v > 0) return;
        if (Number.isFinite(v)) return;
      }
      // Divide each side of the subtraction by count to avoid overflow.
      g.mean += v / g.count - g.mean / g.count;
      return;
    case "group":
      return;
    case "max":
      if (g.value < v || Number.isNaN(g.value)) g.value = v;
      return;
    case "min":
      if (g.value > v || Number.isNaN(g.value)) g.value = v;
      return;
    case "count":
    case "count_values":
      g.count++;
      return;
    case "stddev":
    case "stdvar": {
      g.count++;
      const delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      return;
    }
    case "topk":
    case "bottomk": {
      const less = op === "topk" ? byValue : byReverseValue;
      const top = g.heap[0]!;
      const better = op === "topk" ? top.v < v : top.v > v;
      if (g.heap.length < k || better || Number.isNaN(top.v)) {
        const entry = { metric: s.metric, t: 0, v };
        if (g.heap.length === k) {
          if (k === 1) {
            g.heap[0] = entry;
            return;
          }
          heapPop(g.heap, less);
        }
        heapPush(g.heap, entry, less);
      }
      return;
    }
    case "quantile":
      g.values.push(v);
      return;
  }
}

/** %v of a float64 in Go, for the overflow message. */
function goFormatV(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  return String(f);
}
