// Query templates of the differential test. Each template expands into
// concrete queries evaluated as query_range over a time window of the
// fixture data; the test reports counts per template.

export interface Window {
  name: string;
  startMs: number;
  endMs: number;
  stepMs: number;
}

export interface DiffQuery {
  template: string;
  query: string;
  window: Window;
}

/** blocks-1k-6h: 2024-01-01T00:00:00Z .. 05:59:45Z, 15s scrape interval. */
const T0 = 1704067200000;
const H = 3600000;
const M = 60000;

export const windows = {
  /** Across the 02:00 block boundary. */
  mid: { name: "mid", startMs: T0 + 1.5 * H, endMs: T0 + 2.5 * H, stepMs: M },
  /** Fine steps across the 04:00 boundary, not aligned to scrapes. */
  fine: { name: "fine", startMs: T0 + 4 * H - 10 * M + 7000, endMs: T0 + 4 * H + 10 * M, stepMs: 15000 },
  /** Start of the data: lookback and ranges reach before the first sample. */
  head: { name: "head", startMs: T0 - 5 * M, endMs: T0 + 30 * M, stepMs: M },
  /** End of the data: series run out, then the lookback expires. */
  tail: { name: "tail", startMs: T0 + 5.75 * H, endMs: T0 + 6.25 * H, stepMs: 30000 },
} satisfies Record<string, Window>;

/** block-native-histograms: ~224 s of 1 s scrapes; demo_intermittent_metric goes stale every minute. */
const N0 = 1795343175392;
export const nativeWindows = {
  stale: { name: "stale", startMs: N0 - 10000, endMs: N0 + 240000, stepMs: 1000 },
  staleCoarse: { name: "staleCoarse", startMs: N0, endMs: N0 + 600000, stepMs: 7000 },
} satisfies Record<string, Window>;

export const errorWindow = windows.mid;

const counter = "demo_http_requests_total";
const gauge = "demo_memory_usage_bytes";
const bucket = "demo_api_request_duration_seconds_bucket";
const hsum = "demo_api_request_duration_seconds_sum";
const hcount = "demo_api_request_duration_seconds_count";

/** Builders: template name -> queries. */
function templates(): Record<string, string[]> {
  const t: Record<string, string[]> = {};
  const add = (name: string, qs: string[]): void => {
    t[name] = [...(t[name] ?? []), ...qs];
  };

  // Selectors and matchers.
  add("selector", [
    `${gauge}{job="api"}`,
    `${counter}{job="db",code="500"}`,
    `${counter}{code=~"5.."}`,
    `${counter}{code!~"2..|4..",method!="GET"}`,
    `{__name__=~"demo_api_request_duration_seconds_(sum|count)",job="cache"}`,
    `${gauge}{instance=~"api-1.*",type="rss"}`,
    `${bucket}{le="+Inf",job="worker"}`,
    `${counter}{job=~"api|db",instance!~".*-[0-4]:9090"}`,
  ]);
  for (const off of ["5m", "1h", "-10m", "90s"]) add("selector offset", [`${gauge}{job="cache"} offset ${off}`, `${counter}{job="worker",code="404"} offset ${off}`]);

  // Range-vector functions x ranges x offsets.
  const rangeFns = [
    "rate",
    "increase",
    "delta",
    "irate",
    "idelta",
    "deriv",
    "changes",
    "resets",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
    "present_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "absent_over_time",
  ];
  for (const fn of rangeFns) {
    for (const range of ["1m", "5m", "15m"]) {
      for (const off of ["", " offset 5m", " offset -2m"]) {
        const sel = fn === "absent_over_time" ? `${counter}{job="api",code="503",method="POST"}` : fn.endsWith("_over_time") ? `${gauge}{job="db"}` : `${counter}{job="cache"}`;
        add(`fn ${fn}`, [`${fn}(${sel}[${range}]${off})`]);
      }
    }
  }
  for (const q of ["0.1", "0.5", "0.99", "0", "1", "1.5", "-1"]) add("fn quantile_over_time", [`quantile_over_time(${q}, ${gauge}{job="frontend"}[5m])`]);
  for (const d of ["60", "3600", "-600"]) add("fn predict_linear", [`predict_linear(${gauge}{job="worker"}[10m], ${d})`, `predict_linear(${counter}{job="api",code="200"}[5m] offset 3m, ${d})`]);
  for (const [sf, tf] of [["0.5", "0.5"], ["0.1", "0.9"], ["0.9", "0.2"]]) add("fn holt_winters", [`holt_winters(${gauge}{job="api"}[10m], ${sf}, ${tf})`]);
  add("fn absent_over_time", [`absent_over_time(nonexistent_metric{job="x"}[5m])`, `absent_over_time(${gauge}{job="nope"}[1m])`]);

  // Instant-vector functions.
  const mathFns = ["abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sgn", "deg", "rad"];
  for (const fn of mathFns) add(`fn ${fn}`, [`${fn}(rate(${counter}{job="frontend"}[5m]))`, `${fn}(${gauge}{job="cache",type="heap"} / 1e9)`]);
  for (const fn of ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"]) {
    add(`fn ${fn}`, [`${fn}(${gauge}{job="db",type="rss"} / 1e10)`, `${fn}(rate(${counter}{job="db",code="200"}[5m]) / 10)`]);
  }
  add("fn round", [`round(${gauge}{job="api"} / 1e6)`, `round(rate(${counter}{job="api"}[5m]), 0.1)`, `round(${gauge}{job="db"} / 1e6, 5)`]);
  add("fn clamp", [
    `clamp(rate(${counter}{job="api"}[5m]), 0.5, 2)`,
    `clamp(rate(${counter}{job="api"}[5m]), 2, 1)`,
    `clamp_max(${gauge}{job="cache"} / 1e6, 300)`,
    `clamp_min(${gauge}{job="cache"} / 1e6, 300)`,
  ]);
  for (const fn of ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"]) {
    add(`fn ${fn}`, [`${fn}()`, `${fn}(timestamp(${gauge}{job="api",type="rss"}))`, `${fn}(vector(1709251200 + 86400 * 45))`]);
  }
  add("fn time/timestamp", [`time()`, `timestamp(${gauge}{job="worker"})`, `timestamp(${gauge}{job="worker"} offset 3m)`, `time() - timestamp(${counter}{job="db"})`, `timestamp(sum(${gauge}))`]);
  add("fn scalar/vector", [`scalar(sum(${gauge}))`, `scalar(${gauge})`, `vector(42)`, `vector(time())`, `${gauge}{job="db"} / scalar(count(${gauge}{job="db"}))`, `pi()`, `vector(pi())`]);
  add("fn sort", [`sort(rate(${counter}{job="api"}[5m]))`, `sort_desc(${gauge}{job="db"})`]);
  add("fn absent", [`absent(nonexistent{job="x",env="prod"})`, `absent(${gauge}{job="api"})`, `absent(nonexistent{job=~"x.*",a="b",a="c"})`, `absent(sum(nonexistent))`]);
  add("fn label_replace", [
    `label_replace(${gauge}{job="api"}, "host", "$1", "instance", "(.*):.*")`,
    `label_replace(${gauge}{job="api"}, "host", "$1-$2", "instance", "(.*)-([0-9]+):.*")`,
    `label_replace(${gauge}{job="api"}, "job", "", "job", ".*")`,
    `label_replace(${gauge}{job="api"}, "x", "$1", "nonexistent", "(.*)")`,
    `label_replace(${gauge}{job="api"}, "x", "\${1}y", "type", "(r)ss")`,
    `label_replace(rate(${counter}{job="db"}[5m]), "code_class", "\${1}xx", "code", "([0-9]).*")`,
    `label_replace(${gauge}{job="api"}, "instance", "same", "instance", ".*")`,
  ]);
  add("fn label_join", [
    `label_join(${gauge}{job="cache"}, "id", "/", "job", "instance", "type")`,
    `label_join(${gauge}{job="cache"}, "id", "", "nonexistent")`,
    `label_join(${counter}{job="db"}, "__name__", "_", "job", "code")`,
    `label_join(${gauge}{job="cache"}, "type", ",", "type", "type")`,
  ]);

  // histogram_quantile over classic buckets.
  for (const q of ["0.5", "0.9", "0.99", "0", "1", "-0.5", "1.5"]) {
    add("histogram_quantile", [
      `histogram_quantile(${q}, sum by (le) (rate(${bucket}[5m])))`,
      `histogram_quantile(${q}, sum by (job, le) (rate(${bucket}[10m])))`,
      `histogram_quantile(${q}, rate(${bucket}{job="api",method="GET"}[5m]))`,
    ]);
  }
  add("histogram_quantile", [`histogram_quantile(0.9, ${bucket}{job="db"})`, `histogram_quantile(0.5, sum without (instance) (${bucket}))`]);

  // Aggregations x by/without.
  const aggs = ["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"];
  const groupings = ["", " by (job)", " by (job, type)", " without (instance)", " without (instance, type)", " by ()", " by (nonexistent)"];
  for (const a of aggs) {
    for (const g of groupings) add(`agg ${a}`, [`${a}${g} (${gauge})`]);
    add(`agg ${a}`, [`${a} by (code) (rate(${counter}[5m]))`, `${a}(${counter}{job="api"}) without (method, instance)`]);
  }
  for (const k of ["1", "3", "0", "-1", "1000"]) {
    add("agg topk/bottomk", [`topk(${k}, ${gauge})`, `bottomk(${k}, ${gauge}{job="db"})`, `topk by (job) (${k}, rate(${counter}[5m]))`, `bottomk(${k}, ${gauge}) without (instance)`]);
  }
  add("agg topk/bottomk", [`topk(scalar(count(${gauge}{job="api"})) / 10, ${gauge})`]);
  for (const q of ["0", "0.25", "0.5", "0.9", "1", "1.5", "-0.1"]) add("agg quantile", [`quantile(${q}, ${gauge})`, `quantile by (job) (${q}, rate(${counter}[5m]))`]);
  add("agg count_values", [
    `count_values("value", ${counter}{job="api",code="200"} > 0 * 0 + 1)`,
    `count_values("v", round(rate(${counter}{job="db"}[5m])))`,
    `count_values by (job) ("v", round(${gauge} / 1e8))`,
    `count_values without (instance) ("v", round(${gauge} / 1e8))`,
    // 2.42's grouping-slice aliasing: labels drop out step by step.
    `count_values by (job, instance, type) ("a", round(${gauge}{job="db"} / 1e8))`,
    `count_values by (job, instance, type) ("zz", round(${gauge}{job="db"} / 1e8))`,
    `count_values by (job, instance, type, method, code) ("b", round(${gauge}{job="db"} / 1e8))`,
    `count_values by (job, type) ("a", round(${gauge}{job="db"} / 1e8))`,
  ]);
  add("agg nested", [`sum(sum by (job) (${gauge}))`, `max by (job) (avg by (job, type) (${gauge}))`, `count(count by (instance) (${gauge}))`]);

  // Binary operators.
  const arith = ["+", "-", "*", "/", "%", "^", "atan2"];
  for (const op of arith) {
    add(`binop ${op}`, [
      `${gauge}{job="api"} ${op} 2`,
      `3 ${op} rate(${counter}{job="db"}[5m])`,
      `rate(${counter}{job="api"}[5m]) ${op} rate(${counter}{job="api"}[10m])`,
      `sum by (job) (${gauge}) ${op} on (job) count by (job) (${gauge})`,
      `2 ${op} 3`,
    ]);
  }
  for (const op of ["==", "!=", ">", "<", ">=", "<="]) {
    add(`cmp ${op}`, [
      `${gauge}{job="api"} ${op} 3e8`,
      `3e8 ${op} ${gauge}{job="api"}`,
      `${gauge}{job="api"} ${op} bool 3e8`,
      `rate(${counter}{job="api"}[5m]) ${op} rate(${counter}{job="api"}[5m] offset 5m)`,
      `rate(${counter}{job="api"}[5m]) ${op} bool rate(${counter}{job="api"}[5m] offset 5m)`,
      `1 ${op} bool 2`,
      `sum by (job) (${gauge}) ${op} ignoring (type) sum by (job, type) (${gauge}{type="rss"})`,
    ]);
  }
  for (const op of ["and", "or", "unless"]) {
    add(`set ${op}`, [
      `${gauge}{job="api"} ${op} ${gauge}{type="rss"}`,
      `${gauge} ${op} on (instance) (${gauge}{type="heap"} > 5e8)`,
      `rate(${counter}{job="db"}[5m]) ${op} ignoring (code) (rate(${counter}{job="db",code="200"}[5m]) > 1)`,
      `${counter}{job="db"} ${op} nonexistent`,
      `nonexistent ${op} ${counter}{job="db"}`,
    ]);
  }
  add("binop matching", [
    `${gauge} / on (instance) group_left sum by (instance) (${gauge})`,
    `sum by (instance) (${gauge}) / on (instance) group_right ${gauge}`,
    `${bucket} / on (job, instance, method) group_left ${hcount}`,
    `rate(${hsum}[5m]) / rate(${hcount}[5m])`,
    `rate(${counter}[5m]) * on (job) group_left (env) label_replace(vector(1), "job", "api", "", "")`,
    `${gauge}{type="rss"} - ignoring (type) ${gauge}{type="heap"}`,
    `${gauge}{type="rss"} - on (instance, job) ${gauge}{type="heap"}`,
    `sum by (job, method) (rate(${counter}[5m])) / ignoring (method) group_left sum by (job) (rate(${counter}[5m]))`,
    `-${gauge}{job="api"}`,
    `+${gauge}{job="api"}`,
    `- -sum(${gauge})`,
    `-2 ^ 2 + ${gauge}{job="db",type="heap"} * 0`,
    `${gauge}{job="api"} offset 5m + ${gauge}{job="api"}`,
    `(1 + 2) * 3 - 4 / 5 % 6 ^ 2 ^ 0.5`,
  ]);

  // Subqueries.
  add("subquery", [
    `max_over_time(rate(${counter}{job="api"}[5m])[30m:1m])`,
    `avg_over_time(${gauge}{job="db"}[10m:])`,
    `rate(${counter}{job="cache"}[5m:30s])`,
    `sum_over_time(sum by (job) (rate(${counter}[1m]))[15m:2m])`,
    `min_over_time(${gauge}{job="worker"}[7m:45s] offset 10m)`,
    `max_over_time(deriv(${gauge}{job="frontend"}[5m])[20m:3m])`,
    `count_over_time(${gauge}{job="api",type="rss"}[10m:1m30s])`,
    `max_over_time(max_over_time(${gauge}{job="db"}[5m:1m])[10m:2m])`,
    `quantile_over_time(0.9, rate(${counter}{job="db"}[2m])[20m:1m])`,
    `last_over_time(${gauge}{job="cache"}[5m:17s])`,
    `increase(${counter}{job="frontend"}[10m:1m])`,
    `changes(sum(${gauge})[15m:1m])`,
  ]);

  // @ modifiers.
  const at = (T0 + 1.75 * H) / 1000;
  add("at", [
    `${gauge}{job="api"} @ ${at}`,
    `${gauge}{job="api"} @ ${at} offset 5m`,
    `rate(${counter}{job="db"}[5m] @ ${at})`,
    `sum(rate(${counter}[5m] @ ${at + 0.5}))`,
    `${gauge}{job="db"} @ start()`,
    `${gauge}{job="db"} @ end()`,
    `rate(${counter}{job="db"}[5m] @ end())`,
    `${gauge}{job="api"} - ${gauge}{job="api"} @ start()`,
    `max_over_time(${gauge}{job="cache"}[10m:1m] @ ${at})`,
    `max_over_time(${gauge}{job="cache"} @ ${at}[10m:1m])`,
    `timestamp(${gauge}{job="worker"} @ ${at})`,
    `avg_over_time(${gauge}{job="db"}[5m] @ start() offset 1m)`,
    `vector(time()) + on() group_left sum(${gauge} @ ${at})`,
    `sum by (job) (${gauge} @ end()) / sum by (job) (${gauge})`,
  ]);

  // Corner cases: division by zero, NaN/Inf propagation, @ interplay, nesting.
  add("corner", [
    `${gauge}{job="api"} / 0`,
    `-${gauge}{job="api"} / 0`,
    `(${gauge}{job="api"} - ${gauge}{job="api"}) / 0`,
    `0 / 0`,
    `sum(${gauge}{job="api"} / 0)`,
    `avg(${gauge}{job="api"} / 0)`,
    `avg(-${gauge}{job="api"} / 0 or ${gauge}{job="db"} / 0)`,
    `max(${gauge}{job="api"} / 0 * 0)`,
    `min(${gauge}{job="api"} / 0 * 0)`,
    `stddev((${gauge}{job="api"} - ${gauge}{job="api"}) / 0)`,
    `sort(${gauge}{job="api"} / 0 * 0)`,
    `quantile(0.5, ${gauge}{job="api"} / 0 * 0)`,
    `count_values("v", ${gauge}{job="api"} / 0 * 0)`,
    `count_values("v", ${gauge}{job="api"} / 0)`,
    `histogram_quantile(0.9, rate(${bucket}{job="api",method="GET"}[5m]) * 0)`,
    `histogram_quantile(0.9, ${bucket}{job="api",method="GET",le!="+Inf"})`,
    `${gauge}{job="api"} % 1e8 > 5e7`,
    `${gauge}{job="api"} offset 7h`,
    `${gauge}{job="api"} offset -7h`,
    `rate(${counter}{job="api"}[5m] offset -1h)`,
    `${gauge}{job="api"} @ 1704060000`,
    `${gauge}{job="api"} @ 1704090000`,
    `hour(${gauge}{job="db"} @ 1704074400 * 0 + 1704074400)`,
    `timestamp(${gauge}{job="worker"} @ 1704074400 offset 5m)`,
    `predict_linear(${gauge}{job="worker"}[10m] @ 1704074400, 600)`,
    `minute(timestamp(${gauge}{job="worker"} @ 1704074400))`,
    `topk(scalar(count(${gauge}{job="api"} @ 1704074400)) / 20, ${gauge})`,
    `max_over_time(rate(${counter}{job="db"}[5m])[20m:1m] offset 10m)`,
    `max_over_time(rate(${counter}{job="db"}[5m] @ 1704074400)[20m:1m])`,
    `avg_over_time(max_over_time(${gauge}{job="cache"}[10m:30s] offset 2m)[30m:5m] offset 3m)`,
    `sum_over_time(${gauge}{job="cache"}[10m:1m] @ end())`,
    `sum_over_time(sum(${gauge} @ start())[10m:1m])`,
    `rate(sum by (job) (${counter})[10m:1m])`,
    `${gauge}{job="api"} and on (instance) ${gauge}{job="api"} @ start()`,
    `${gauge}{job="cache"} or label_replace(${gauge}{job="db"}, "role", "db", "", "")`,
    `label_replace(${gauge}{job="cache"}, "job", "x", "", "") or ${gauge}{job="cache"}`,
    `${gauge} * on (instance) group_left (role) label_replace(${gauge}{type="rss"}, "role", "$1", "job", "(.).*")`,
    `sum by (job) (rate(${counter}[5m])) > bool 10`,
    `sum by (job) (rate(${counter}[5m])) > 10 < 100`,
    `(sum by (job) (rate(${counter}[5m])) > 10) + 1`,
    `sum without (job) (${gauge}) / ignoring (nonexistent) sum without (job) (${gauge})`,
    `count by (le) (${bucket}) - count by (le) (${bucket} offset 1h)`,
    `changes(${counter}{job="api",code="500"}[2h])`,
    `resets(${counter}{job="api"}[1h])`,
    `increase(${counter}{job="api",code="500"}[1h])`,
    `deriv(${counter}{job="db",code="200"}[30m])`,
    `idelta(${counter}{job="db",code="200"}[16s])`,
    `irate(${counter}{job="db",code="200"}[15s])`,
    `rate(${counter}{job="db",code="200"}[15s])`,
    `rate(${counter}{job="db",code="200"}[30s])`,
    `delta(${gauge}{job="cache"}[45s])`,
    `absent_over_time(${gauge}{job="cache"}[10s] offset 6h)`,
    `vector(1) and on() (sum(${gauge}) > 0)`,
    `scalar(${gauge}{job="api",type="rss"} @ 1704074400 offset 1m) * ${gauge}{job="db"}`,
  ]);

  // Scalars and literals.
  add("literal", [`1`, `-2.5`, `0x1F`, `1e3`, `Inf`, `-Inf`, `NaN`, `.5 + 010`, `2 ^ 3 ^ 2`, `-2 ^ 2`, `time() % 3600`, `scalar(vector(1)) * 2`]);
  return t;
}

/** Queries that must fail on both sides (class compared: bad_data vs execution). */
export const errorQueries: string[] = [
  `rate(${gauge})`,
  `sum(${gauge}[5m])`,
  `${gauge}[5m]`,
  `${gauge}[5m:1m]`,
  `"a string"`,
  `1 < 2`,
  `${gauge} and 1`,
  `${gauge} + bool ${gauge}`,
  `${gauge} * on(job) group_left(job) ${gauge}`,
  `{}`,
  `{job=~".*"}`,
  `sum by (job) (${gauge}`,
  `foo{`,
  `rate(${counter}[5m] offset 1m [5m])`,
  `(${gauge}) offset 5m`,
  `${gauge} offset 5m offset 1m`,
  `${gauge} @ 1 @ 2`,
  `unknown_fn(${gauge})`,
  `rate(${counter}[5m], 1)`,
  `holt_winters(${gauge}{job="api"}[10m], 1.5, 0.5)`,
  `holt_winters(${gauge}{job="api"}[10m], 0.5, 0)`,
  `${gauge} / on(job) ${gauge}`,
  `${gauge} + ignoring(instance) ${gauge}`,
  `sum by (job) (${gauge}) / on (job) ${gauge}`,
  `${gauge} / on (job) group_left sum by (job, type) (${gauge})`,
  `sum by (job, type) (${gauge}) / on (job) group_right sum by (job) (${gauge})`,
  `label_replace(${gauge}, "x", "$1", "job", "(")`,
  `label_replace(${gauge}, "1x", "$1", "job", "(.*)")`,
  `label_join(${gauge}, "x", ",", "1bad")`,
  `count_values("1bad", ${gauge})`,
  `topk(NaN, ${gauge})`,
  `label_replace(${gauge}, "instance", "x", "job", ".*")`,
  `rate({__name__=~"demo_.*"}[5m])`,
  `{__name__=~"${hsum}|${hcount}"} * 1`,
  `-{__name__=~"${hsum}|${hcount}"}`,
  `abs({__name__=~"${hsum}|${hcount}"})`,
  `foo[5]`,
  `1_000`,
  `foo offset 0s`,
  `quantile(0.5, "x")`,
  `count_values(1, foo)`,
  `${gauge} == on(job) 1`,
  `max_over_time(foo[5m:1m][10m:1m])`,
  `foo @ start() [5m]`,
  `time() + ${gauge}[1m]`,
  `abs("x")`,
  `vector(foo)`,
  `sum(foo, bar)`,
  `topk(foo)`,
  `day_of_month(foo, bar)`,
  `label_join(foo)`,
];

export function buildQueries(): { queries: DiffQuery[]; templateCounts: Map<string, number> } {
  const queries: DiffQuery[] = [];
  const counts = new Map<string, number>();
  const t = templates();
  const ws = Object.values(windows);
  let i = 0;
  for (const [template, qs] of Object.entries(t)) {
    for (const q of qs) {
      // Spread queries over the windows; every 5th also runs at fine steps.
      const w = ws[i % ws.length]!;
      queries.push({ template, query: q, window: w });
      if (i % 5 === 0 && w !== windows.fine) queries.push({ template, query: q, window: windows.fine });
      i++;
      counts.set(template, (counts.get(template) ?? 0) + 1);
    }
  }
  return { queries, templateCounts: counts };
}

/** block-edge-values: m{a="1"} = 1, NaN, +Inf, -0 at 2024-01-01T00:00:00.001Z .. 00:00:45Z. */
const E0 = 1704067200000;
export const edgeWindow: Window = { name: "edge", startMs: E0 - 10000, endMs: E0 + 400000, stepMs: 5000 };

export function edgeQueries(): DiffQuery[] {
  const qs = [
    `m`,
    `m + 1`,
    `-m`,
    `m > 0`,
    `m == bool m`,
    `m != m`,
    `sum(m)`,
    `avg(m)`,
    `max(m)`,
    `min(m)`,
    `stddev(m)`,
    `count_values("v", m)`,
    `quantile(0.5, m)`,
    `topk(1, m)`,
    `sort(m)`,
    `rate(m[30s])`,
    `increase(m[1m])`,
    `delta(m[1m])`,
    `irate(m[1m])`,
    `deriv(m[1m])`,
    `changes(m[1m])`,
    `resets(m[1m])`,
    `avg_over_time(m[1m])`,
    `sum_over_time(m[1m])`,
    `max_over_time(m[1m])`,
    `min_over_time(m[1m])`,
    `stddev_over_time(m[1m])`,
    `quantile_over_time(0.5, m[1m])`,
    `last_over_time(m[20s])`,
    `predict_linear(m[1m], 60)`,
    `holt_winters(m[1m], 0.5, 0.5)`,
    `timestamp(m)`,
    `sgn(m)`,
    `abs(m)`,
    `round(m)`,
    `clamp(m, -1, 1)`,
    `ln(m)`,
    `exp(m)`,
    `year(m)`,
    `month(m)`,
    `day_of_month(m)`,
    `day_of_week(m)`,
    `day_of_year(m)`,
    `days_in_month(m)`,
    `hour(m)`,
    `minute(m)`,
    `year(m * 1e12)`,
    `days_in_month(m * 1e13)`,
    `day_of_week(-m * 1e11)`,
    `m ^ 0`,
    `m % 2`,
    `m atan2 1`,
    `label_replace(m, "b", "$1", "a", "(.*)")`,
    `count_over_time(m[1m:5s])`,
    `sum_over_time(m[30s:5s])`,
  ];
  return qs.map((query) => ({ template: "edge values", query, window: edgeWindow }));
}

/** Instant queries at a few times; `ordered` compares the result order too (sort, sort_desc). */
export interface InstantQuery {
  query: string;
  timeMs: number;
  ordered: boolean;
}

export function instantQueries(): InstantQuery[] {
  const times = [T0 + 1.5 * H + 7000, T0 + 4 * H, T0 + 6 * H + 2 * M];
  const qs: [string, boolean][] = [
    [`${gauge}{job="api"}`, false],
    [`${gauge}{job="api"}[1m]`, false],
    [`${counter}{job="db",code="500"}[5m] offset 1m`, false],
    [`rate(${counter}{job="db"}[5m])`, false],
    [`rate(${counter}{job="db"}[5m])[10m:1m]`, false],
    [`${gauge}{job="db",type="rss"}[5m:45s]`, false],
    [`sort(rate(${counter}{job="api"}[5m]))`, true],
    [`sort_desc(${gauge}{job="db"})`, true],
    [`sort(sum by (job) (${gauge}))`, true],
    [`topk(5, ${gauge})`, false],
    [`sum by (job) (${gauge})`, false],
    [`histogram_quantile(0.9, sum by (le) (rate(${bucket}[5m])))`, false],
    [`time()`, false],
    [`1 + 2 * 3`, false],
    [`scalar(sum(${gauge}))`, false],
    [`"a string"`, false],
    [`timestamp(${gauge}{job="cache"})`, false],
    [`${gauge}{job="cache"} @ ${(T0 + 2 * H) / 1000}`, false],
    [`${gauge}{job="cache"}[2m] @ ${(T0 + 2 * H) / 1000}`, false],
    [`absent(nonexistent{a="b"})`, false],
    [`count_values("v", round(${gauge}{job="db"} / 1e8))`, false],
    [`vector(time())`, false],
  ];
  const out: InstantQuery[] = [];
  for (const t of times) for (const [query, ordered] of qs) out.push({ query, timeMs: t, ordered });
  return out;
}

/** Staleness: demo_intermittent_metric in the native-histogram block. */
export function staleQueries(): DiffQuery[] {
  const m = "demo_intermittent_metric";
  const qs = [
    m,
    `${m} offset 10s`,
    `count_over_time(${m}[10s])`,
    `last_over_time(${m}[45s])`,
    `present_over_time(${m}[5s])`,
    `absent(${m})`,
    `absent_over_time(${m}[20s])`,
    `rate(nh_counter_total[30s])`,
    `changes(${m}[1m])`,
    `timestamp(${m})`,
    `sum(${m}) + on() count(up)`,
    `max_over_time(${m}[1m:5s])`,
    `up`,
    `scrape_duration_seconds * 1000`,
  ];
  const out: DiffQuery[] = [];
  for (const w of Object.values(nativeWindows)) for (const q of qs) out.push({ template: "staleness", query: q, window: w });
  return out;
}
