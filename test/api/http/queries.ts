// Queries and windows shared by the API differential tests.

export interface Window {
  name: string;
  startMs: number;
  endMs: number;
  stepMs: number;
}

/** blocks-1k-6h: 2024-01-01T00:00:00Z .. 05:59:45Z, 15 s scrape interval. */
export const T0 = 1704067200000;
const H = 3_600_000;
const M = 60_000;

export const windows: Window[] = [
  { name: "mid", startMs: T0 + 1.5 * H, endMs: T0 + 2.5 * H, stepMs: M },
  { name: "fine", startMs: T0 + 4 * H - 10 * M + 7000, endMs: T0 + 4 * H + 10 * M, stepMs: 15_000 },
  { name: "head", startMs: T0 - 5 * M, endMs: T0 + 30 * M, stepMs: M },
  { name: "tail", startMs: T0 + 5.75 * H, endMs: T0 + 6.25 * H, stepMs: 30_000 },
];

/** block-native-histograms: ~224 s of 1 s scrapes; demo_intermittent_metric goes stale every minute. */
export const N0 = 1795343175392;
export const staleWindow: Window = { name: "stale", startMs: N0 - 10_000, endMs: N0 + 240_000, stepMs: 1000 };

const counter = "demo_http_requests_total";
const gauge = "demo_memory_usage_bytes";
const bucket = "demo_api_request_duration_seconds_bucket";

export const rangeQueries: string[] = [
  `${gauge}{job="api"}`,
  `${counter}{code=~"5.."}`,
  `${counter}{code!~"2..|4..",method!="GET"}`,
  `{__name__=~"demo_api_request_duration_seconds_(sum|count)",job="cache"}`,
  `${gauge}{instance=~"api-1.*",type="rss"}`,
  `rate(${counter}{job="cache"}[5m])`,
  `increase(${counter}{job="api",code="500"}[15m])`,
  `irate(${counter}{job="db"}[1m])`,
  `sum by (job) (rate(${counter}[5m]))`,
  `sum by (job, code) (rate(${counter}{code=~"5.."}[5m]))`,
  `sum without (instance) (${gauge})`,
  `avg by (type) (${gauge})`,
  `count by (job) (${counter})`,
  `max by (job) (${gauge}) - min by (job) (${gauge})`,
  `histogram_quantile(0.9, sum by (le, job) (rate(${bucket}[5m])))`,
  `histogram_quantile(0.5, sum by (le) (rate(${bucket}[10m])))`,
  `histogram_quantile(0.99, rate(${bucket}{job="api",method="GET"}[5m]))`,
  `topk(3, ${gauge})`,
  `bottomk(2, rate(${counter}{job="db"}[5m]))`,
  `topk by (job) (1, rate(${counter}[5m]))`,
  `${gauge}{job="cache"} offset 5m`,
  `rate(${counter}{job="worker"}[5m] offset 1h)`,
  `${gauge}{job="db"} offset -10m`,
  `max_over_time(rate(${counter}{job="api"}[5m])[30m:1m])`,
  `avg_over_time(${gauge}{job="db"}[10m:])`,
  `rate(${counter}{job="cache"}[5m:30s])`,
  `min_over_time(${gauge}{job="worker"}[7m:45s] offset 10m)`,
  `absent(nonexistent{job="x"})`,
  `absent(${gauge}{job="api"})`,
  `absent_over_time(${counter}{job="api",code="503",method="POST"}[5m])`,
  `label_replace(${gauge}{job="api"}, "host", "$1", "instance", "(.*):.*")`,
  `label_join(${gauge}{job="cache"}, "id", "/", "job", "instance", "type")`,
  `rate(demo_api_request_duration_seconds_sum[5m]) / rate(demo_api_request_duration_seconds_count[5m])`,
  `${gauge} / on (instance) group_left sum by (instance) (${gauge})`,
  `${gauge}{type="rss"} - ignoring (type) ${gauge}{type="heap"}`,
  `${gauge}{job="api"} > 3e8`,
  `sum by (job) (rate(${counter}[5m])) > bool 10`,
  `${gauge}{job="api"} and on (instance) ${gauge}{type="rss"}`,
  `${counter}{job="db"} unless ${counter}{code="200"}`,
  `quantile by (job) (0.9, rate(${counter}[5m]))`,
  `count_values("v", round(rate(${counter}{job="db"}[5m])))`,
  `stddev_over_time(${gauge}{job="db"}[15m])`,
  `quantile_over_time(0.5, ${gauge}{job="frontend"}[5m])`,
  `predict_linear(${gauge}{job="worker"}[10m], 3600)`,
  `deriv(${gauge}{job="frontend"}[5m])`,
  `changes(${counter}{job="api",code="500"}[2h])`,
  `resets(${counter}{job="api"}[1h])`,
  `timestamp(${gauge}{job="worker"})`,
  `${gauge}{job="api"} @ 1704073500`,
  `sum(rate(${counter}[5m] @ end()))`,
  `vector(1) and on() (sum(${gauge}) > 0)`,
  `scalar(sum(${gauge}))`,
  `clamp(rate(${counter}{job="api"}[5m]), 0.5, 2)`,
  `{job="db",__name__=~"demo_.*"}`,
  `${gauge}{job="api"} % 1e8`,
];

/** Float-only staleness queries over the native-histogram block (2.42 remote-read clients drop histograms). */
const intermittent = "demo_intermittent_metric";
export const staleQueries: string[] = [
  intermittent,
  `${intermittent} offset 10s`,
  `count_over_time(${intermittent}[10s])`,
  `last_over_time(${intermittent}[45s])`,
  `present_over_time(${intermittent}[5s])`,
  `absent(${intermittent})`,
  `changes(${intermittent}[1m])`,
  `timestamp(${intermittent})`,
  `max_over_time(${intermittent}[1m:5s])`,
  `up`,
];

export const instantQueries: { query: string; timeMs: number }[] = [
  { query: `${gauge}{job="api"}`, timeMs: T0 + 1.5 * H + 7000 },
  { query: `${gauge}{job="api"}[1m]`, timeMs: T0 + 4 * H },
  { query: `sum by (job) (rate(${counter}[5m]))`, timeMs: T0 + 2 * H + 500 },
  { query: `histogram_quantile(0.9, sum by (le) (rate(${bucket}[5m])))`, timeMs: T0 + 3 * H },
  { query: `scalar(sum(${gauge}))`, timeMs: T0 + 3 * H },
  { query: `"a string"`, timeMs: T0 + 3 * H },
  { query: `absent(nonexistent{a="b"})`, timeMs: T0 + 3 * H },
  { query: `topk(5, ${gauge})`, timeMs: T0 + 5 * H },
];
