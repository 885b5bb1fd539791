// The Prometheus HTTP query API (web/api/v1 of Prometheus 2.42): /api/v1/query,
// /query_range, /series, /labels and /label/<name>/values, GET and POST,
// with Prometheus' parameter parsing, JSON and error statuses. Queries run
// on the PromQL engine over the store; series and label calls go to the
// store directly. Thanos' max_source_resolution is accepted too.

import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { deflate, gzip } from "node:zlib";
import { compareLabels, goQuote, type Labels } from "../../model/labels.js";
import type { Matcher } from "../../model/matchers.js";
import type { Expr } from "../../promql/ast.js";
import type { Engine, QueryResult, QueryValue } from "../../promql/engine.js";
import { PromQLError } from "../../promql/errors.js";
import { parseExpr } from "../../promql/parser.js";
import type { Store } from "../../store/api.js";
import type { Logger } from "../../util/log.js";
import { HTTP_STATUS, RequestSignal, toApiError } from "./errors.js";
import { formatFloatF } from "../../promql/gofloat.js";
import { errorJson, jsonString, labelsJson, pointJson, successJson } from "./json.js";
import {
  BadDataError,
  durationMs,
  engineTimeMs,
  invalidParam,
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseDurationNs,
  parseMatchersParam,
  parseTime,
  parseTimeParam,
  readForm,
  type Form,
} from "./params.js";
import { apiQueryable, externalLabelNames, widenExternalOnly } from "../../promql/querier_queryable.js";
import type { Handler } from "./server.js";

export interface PromApiOptions {
  store: Store;
  engine: Engine;
  /** Requests get 503 "Service Unavailable" until this is true (Prometheus' ready wrapper). */
  ready: () => boolean;
  log: Logger;
  /** Unix ms; the default evaluation time of instant queries. */
  now?: () => number;
}

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);

/** Data of a successful call (JSON text) plus warnings. */
interface ApiResult {
  data: string;
  warnings: string[];
}

type ApiFunc = (form: Form, rs: RequestSignal, pathParam: string) => Promise<ApiResult>;

const CORS_HEADERS: Record<string, string> = {
  "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type, Origin",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Expose-Headers": "Date",
  Vary: "Origin",
};

/** Routes to register on the HTTP server. */
export function promApiRoutes(opts: PromApiOptions): { routes: Record<string, Handler>; prefixRoutes: Record<string, Handler> } {
  const api = new PromApi(opts);
  const wrap = (f: ApiFunc, methods: readonly string[]): Handler => (req, res, url) => api.serve(req, res, url, f, methods, "");
  const getPost = ["GET", "POST"];
  return {
    routes: {
      "/api/v1/query": wrap((f, rs) => api.query(f, rs), getPost),
      "/api/v1/query_range": wrap((f, rs) => api.queryRange(f, rs), getPost),
      "/api/v1/series": wrap((f, rs) => api.series(f, rs), getPost),
      "/api/v1/labels": wrap((f, rs) => api.labelNames(f, rs), getPost),
    },
    prefixRoutes: {
      "/api/v1/label/": (req, res, url) => {
        // httprouter's /label/:name/values on the decoded path: the name is one segment.
        let path: string;
        try {
          path = decodeURIComponent(url.pathname);
        } catch {
          path = url.pathname;
        }
        const m = /^\/api\/v1\/label\/([^/]+)\/values$/.exec(path);
        if (!m) {
          res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
          res.end("404 page not found\n");
          return;
        }
        return api.serve(req, res, url, (f, rs, name) => api.labelValues(f, rs, name), ["GET"], m[1]!);
      },
    },
  };
}

class PromApi {
  private readonly now: () => number;

  constructor(private readonly opts: PromApiOptions) {
    this.now = opts.now ?? Date.now;
  }

  async serve(req: IncomingMessage, res: ServerResponse, url: URL, f: ApiFunc, methods: readonly string[], pathParam: string): Promise<void> {
    const origin = req.headers.origin;
    if (origin) {
      for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
      res.setHeader("Access-Control-Allow-Origin", "*");
    }
    const method = req.method ?? "GET";
    if (method === "OPTIONS") {
      res.writeHead(204);
      res.end();
      return;
    }
    if (!methods.includes(method)) {
      res.writeHead(405, { "content-type": "text/plain; charset=utf-8", allow: [...methods, "OPTIONS"].join(", "), "x-content-type-options": "nosniff" });
      res.end("Method Not Allowed\n");
      return;
    }
    if (!this.opts.ready()) {
      res.writeHead(503);
      res.end("Service Unavailable");
      return;
    }
    const rs = new RequestSignal();
    const onClose = (): void => {
      if (!res.writableFinished) rs.cancel();
    };
    res.on("close", onClose);
    let status = 200;
    let body: string;
    try {
      const rawQuery = url.search.startsWith("?") ? url.search.slice(1) : url.search;
      const form = await readForm(req, rawQuery);
      const r = await f(form, rs, pathParam);
      body = successJson(r.data, r.warnings);
    } catch (e) {
      const err = toApiError(e, rs.deadlineHit);
      if (err.type === "internal") this.opts.log.error({ path: url.pathname, err: err.message }, "API call failed");
      status = HTTP_STATUS[err.type];
      body = errorJson(err.type, err.message);
    } finally {
      rs.done();
    }
    if (res.destroyed) return;
    await respond(req, res, status, body);
  }

  // --- /api/v1/query
  async query(form: Form, rs: RequestSignal): Promise<ApiResult> {
    const ts = engineTimeMs(parseTimeParam(form, "time", this.now()));
    this.timeout(form, rs);
    const maxRes = parseMaxSourceResolution(form, 0);
    let expr: Expr;
    try {
      expr = parseExpr(form.get("query"));
    } catch (e) {
      if (e instanceof PromQLError) throw invalidParam("query", e.message);
      throw e;
    }
    const q = apiQueryable(this.opts.store, { maxResolutionMs: maxRes });
    return resultJson(await this.opts.engine.instantQuery(q, expr, ts, { signal: rs.signal }));
  }

  // --- /api/v1/query_range
  async queryRange(form: Form, rs: RequestSignal): Promise<ApiResult> {
    const start = wrapParam("start", () => parseTime(form.get("start")));
    const end = wrapParam("end", () => parseTime(form.get("end")));
    if (end < start) throw invalidParam("end", "end timestamp must not be before start time");
    const stepNs = wrapParam("step", () => parseDurationNs(form.get("step")));
    if (stepNs <= 0) throw invalidParam("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
    // For safety, Prometheus limits the points per series (a Go Duration division).
    if (Math.trunc(((end - start) * 1e6) / stepNs) > 11000) {
      throw new BadDataError("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
    }
    this.timeout(form, rs);
    // Thanos: "auto" fits at least five samples between steps.
    const maxRes = parseMaxSourceResolution(form, Math.trunc(stepNs / 5));
    let expr: Expr;
    try {
      expr = parseExpr(form.get("query"));
    } catch (e) {
      // NewRangeQuery errors are not wrapped as a parameter error in 2.42.
      if (e instanceof PromQLError) throw new BadDataError(e.message);
      throw e;
    }
    const q = apiQueryable(this.opts.store, { maxResolutionMs: maxRes });
    try {
      return resultJson(await this.opts.engine.rangeQuery(q, expr, engineTimeMs(start), engineTimeMs(end), durationMs(stepNs), { signal: rs.signal }));
    } catch (e) {
      // The expression-type check belongs to query creation: bad_data without a prefix.
      if (e instanceof PromQLError && e.kind === "bad_data") throw new BadDataError(e.message);
      throw e;
    }
  }

  // --- /api/v1/series
  async series(form: Form, rs: RequestSignal): Promise<ApiResult> {
    if (form.error !== undefined) throw new BadDataError(`error parsing form values: ${form.error}`);
    const selectors = form.all("match[]");
    if (selectors.length === 0) throw new BadDataError("no match[] parameter provided");
    const start = parseTimeParam(form, "start", MIN_TIME_MS);
    const end = parseTimeParam(form, "end", MAX_TIME_MS);
    let sets: Matcher[][];
    try {
      sets = parseMatchersParam(selectors);
    } catch (e) {
      if (e instanceof BadDataError) throw invalidParam("match[]", e.message);
      throw e;
    }
    const ext = externalLabelNames(this.opts.store);
    const seen = new Set<string>();
    const out: Labels[] = [];
    const warnings: string[] = [];
    for (const set of sets) {
      const r = await this.opts.store.select({ minTime: start, maxTime: end, matchers: widenExternalOnly(set, ext), skipChunks: true, signal: rs.signal });
      for await (const s of r.series) {
        const key = labelsJson(s.labels);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(s.labels);
      }
      warnings.push(...r.warnings);
    }
    // One sorted, merged list, as Prometheus' merge series set gives.
    if (sets.length > 1) out.sort(compareLabels);
    return { data: "[" + out.map(labelsJson).join(",") + "]", warnings };
  }

  // --- /api/v1/labels
  async labelNames(form: Form, rs: RequestSignal): Promise<ApiResult> {
    const start = parseTimeParam(form, "start", MIN_TIME_MS);
    const end = parseTimeParam(form, "end", MAX_TIME_MS);
    const sets = parseMatchersParam(form.all("match[]"));
    const warnings: string[] = [];
    const names = new Set<string>();
    for (const matchers of sets.length > 0 ? sets : [[]]) {
      const r = await this.opts.store.labelNames({ minTime: start, maxTime: end, matchers, signal: rs.signal });
      for (const n of r.names) names.add(n);
      warnings.push(...r.warnings);
    }
    return { data: stringArrayJson([...names].sort(goCompare)), warnings };
  }

  // --- /api/v1/label/<name>/values
  async labelValues(form: Form, rs: RequestSignal, name: string): Promise<ApiResult> {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new BadDataError(`invalid label name: ${goQuote(name)}`);
    const start = parseTimeParam(form, "start", MIN_TIME_MS);
    const end = parseTimeParam(form, "end", MAX_TIME_MS);
    const sets = parseMatchersParam(form.all("match[]"));
    const warnings: string[] = [];
    const values = new Set<string>();
    for (const matchers of sets.length > 0 ? sets : [[]]) {
      const r = await this.opts.store.labelValues(name, { minTime: start, maxTime: end, matchers, signal: rs.signal });
      for (const v of r.values) values.add(v);
      warnings.push(...r.warnings);
    }
    return { data: stringArrayJson([...values].sort(goCompare)), warnings };
  }

  /** The timeout parameter bounds the request (a Go context deadline). */
  private timeout(form: Form, rs: RequestSignal): void {
    const to = form.get("timeout");
    if (to === "") return;
    const ns = wrapParam("timeout", () => parseDurationNs(to));
    rs.setTimeout(ns / 1e6);
  }
}

/** Thanos parseDownsamplingParamMillis: "auto" → the default, a duration, never negative; ms. */
export function parseMaxSourceResolution(form: Form, autoDefaultNs: number): number {
  const val = form.get("max_source_resolution");
  let ns = 0;
  if (val === "auto") ns = autoDefaultNs;
  else if (val !== "") {
    try {
      ns = parseDurationNs(val);
    } catch (e) {
      throw new BadDataError(`'max_source_resolution' parameter: ${(e as Error).message}`);
    }
  }
  if (ns < 0) throw new BadDataError("negative 'max_source_resolution' is not accepted. Try a positive integer");
  return durationMs(ns);
}

function wrapParam<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof BadDataError) throw invalidParam(name, e.message);
    throw e;
  }
}

/** Go's sort.Strings order (byte-wise UTF-8). */
function goCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function stringArrayJson(xs: readonly string[]): string {
  return "[" + xs.map(jsonString).join(",") + "]";
}

/** queryData: {"resultType":...,"result":...}. */
export function resultJson(r: QueryResult): ApiResult {
  return { data: '{"resultType":"' + r.value.resultType + '","result":' + valueJson(r.value) + "}", warnings: r.warnings };
}

export function valueJson(v: QueryValue): string {
  switch (v.resultType) {
    case "matrix": {
      const parts: string[] = [];
      for (const s of v.result) {
        let p = '{"metric":' + labelsJson(s.metric);
        if (s.t.length > 0) {
          const pts: string[] = new Array<string>(s.t.length);
          for (let i = 0; i < s.t.length; i++) pts[i] = pointJson(s.t[i]!, s.v[i]!);
          p += ',"values":[' + pts.join(",") + "]";
        }
        parts.push(p + "}");
      }
      return "[" + parts.join(",") + "]";
    }
    case "vector":
      return "[" + v.result.map((s) => '{"metric":' + labelsJson(s.metric) + ',"value":' + pointJson(s.t, s.v) + "}").join(",") + "]";
    // Scalar and String marshal themselves: the time as a plain float64, a scalar value in 'f' format.
    case "scalar":
      return "[" + JSON.stringify(v.result.t / 1000) + ',"' + formatFloatF(v.result.v) + '"]';
    case "string":
      return "[" + JSON.stringify(v.result.t / 1000) + "," + jsonString(v.result.v) + "]";
  }
}

/** Writes a JSON body, compressed like Prometheus' CompressionHandler (gzip, then deflate). */
async function respond(req: IncomingMessage, res: ServerResponse, status: number, body: string): Promise<void> {
  const accepted = String(req.headers["accept-encoding"] ?? "")
    .split(",")
    .map((s) => s.trim());
  let payload: Buffer = Buffer.from(body, "utf8");
  const headers: Record<string, string | number> = { "content-type": "application/json" };
  for (const enc of accepted) {
    if (enc === "gzip") {
      payload = await gzipAsync(payload);
      headers["content-encoding"] = "gzip";
      break;
    }
    if (enc === "deflate") {
      payload = await deflateAsync(payload);
      headers["content-encoding"] = "deflate";
      break;
    }
  }
  headers["content-length"] = payload.length;
  if (res.destroyed) return;
  res.writeHead(status, headers);
  res.end(payload);
}

