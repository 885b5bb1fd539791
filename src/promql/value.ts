// Values flowing through the evaluator and helpers on label sets.
// Evaluation works on matrices like Prometheus does: an instant vector
// evaluated over a range of steps is a matrix with one point per step.

import { compareLabels, compareStrings, type Labels } from "../model/labels.js";

export interface Sample {
  metric: Labels;
  t: number;
  v: number;
}

export type Vector = Sample[];

/** A series of evaluated points: t and v have equal length, t increasing. */
export interface EvalSeries {
  metric: Labels;
  t: number[];
  v: number[];
}

export type Matrix = EvalSeries[];

export interface StringValue {
  kind: "string";
  t: number;
  v: string;
}

export const METRIC_NAME = "__name__";

const keyCache = new WeakMap<Labels, string>();

/** A string identifying a label set, for map keys (Prometheus uses hashes). */
export function labelsKey(ls: Labels): string {
  let k = keyCache.get(ls);
  if (k === undefined) {
    k = "";
    for (const l of ls) k += l.name + "\u0000" + l.value + "\u0001";
    keyCache.set(ls, k);
  }
  return k;
}

const dropCache = new WeakMap<Labels, Labels>();

/** The label set without __name__ (cached per label set object). */
export function dropMetricName(ls: Labels): Labels {
  let out = dropCache.get(ls);
  if (out === undefined) {
    out = ls.some((l) => l.name === METRIC_NAME) ? ls.filter((l) => l.name !== METRIC_NAME) : ls;
    dropCache.set(ls, out);
  }
  return out;
}

/** Labels with name set to value (removed when value is ""), kept sorted. */
export function setLabel(ls: Labels, name: string, value: string): Labels {
  const out: Labels = [];
  let done = false;
  for (const l of ls) {
    if (!done && compareStrings(l.name, name) >= 0) {
      if (value !== "") out.push({ name, value });
      done = true;
      if (l.name === name) continue;
    }
    out.push(l);
  }
  if (!done && value !== "") out.push({ name, value });
  return out;
}

export function keepLabels(ls: Labels, names: readonly string[]): Labels {
  return ls.filter((l) => names.includes(l.name));
}

export function deleteLabels(ls: Labels, names: readonly string[]): Labels {
  return ls.filter((l) => !names.includes(l.name));
}

/** True when two samples share a label set ("vector cannot contain metrics with the same labelset"). */
export function containsSameLabelset(metrics: readonly Labels[]): boolean {
  if (metrics.length < 2) return false;
  if (metrics.length === 2) return labelsKey(metrics[0]!) === labelsKey(metrics[1]!);
  const seen = new Set<string>();
  for (const m of metrics) {
    const k = labelsKey(m);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

export function sortMatrix(m: Matrix): Matrix {
  return m.sort((a, b) => compareLabels(a.metric, b.metric));
}
