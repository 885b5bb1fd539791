// Seeded random PromQL expressions over the fixture metrics, to cover
// combinations the templates miss. Avoids constructs whose result is not
// deterministic in Prometheus itself: topk/bottomk only see raw selectors
// (storage order), since ties elsewhere depend on Go map iteration order.

const T0 = 1704067200;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomQueries(seed: number, count: number): string[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number): boolean => rnd() < p;

  const selectors = [
    `demo_memory_usage_bytes{job="${pick(["api", "db", "cache", "worker", "frontend"])}"}`,
    `demo_memory_usage_bytes{type="${pick(["rss", "heap"])}",job=~"a.*|d.*"}`,
    `demo_http_requests_total{job="${pick(["api", "db", "cache"])}",code=~"${pick(["2..", "5..", "404|503"])}"}`,
    `demo_http_requests_total{method="${pick(["GET", "POST"])}",job="frontend"}`,
    `demo_api_request_duration_seconds_sum{job="${pick(["api", "db"])}"}`,
    `demo_api_request_duration_seconds_count{method="GET"}`,
    `demo_api_request_duration_seconds_bucket{job="worker",le=~"0.1|1.0|\\\\+Inf"}`,
  ];
  const counters = selectors.filter((s) => !s.startsWith("demo_memory"));
  const labels = ["job", "instance", "type", "method", "code", "le"];
  const durations = ["30s", "1m", "2m", "5m", "10m"];
  const offset = (): string => (chance(0.25) ? ` offset ${pick(["1m", "5m", "30m", "-3m"])}` : "");
  const at = (): string => (chance(0.12) ? ` @ ${pick([`${T0 + 5400}`, `${T0 + 7230.5}`, "start()", "end()"])}` : "");

  const selector = (): string => pick(selectors) + offset() + at();
  const range = (): string => {
    if (chance(0.2)) return `${vector(2)}[${pick(["10m", "20m"])}:${pick(["", "1m", "90s"])}]${offset()}`;
    return `${pick(counters)}[${pick(durations)}]${offset()}${at()}`;
  };
  const grouping = (): string => {
    const ls = [...new Set([pick(labels), pick(labels)])].slice(0, 1 + Math.floor(rnd() * 2));
    return chance(0.3) ? ` without (${ls.join(", ")})` : ` by (${ls.join(", ")})`;
  };
  const matching = (): string => {
    const r = rnd();
    if (r < 0.5) return "";
    const l = pick(["job", "instance", "method"]);
    if (r < 0.7) return ` on (${l})`;
    if (r < 0.85) return ` ignoring (${pick(["type", "code", "le"])})`;
    return ` on (${l}) group_left`;
  };

  const vector = (depth: number): string => {
    if (depth <= 0) return selector();
    const r = rnd();
    if (r < 0.18) return selector();
    if (r < 0.36) return `${pick(["rate", "increase", "delta", "irate", "deriv", "avg_over_time", "max_over_time", "min_over_time", "last_over_time", "stddev_over_time", "changes", "resets", "count_over_time"])}(${range()})`;
    if (r < 0.52) return `${pick(["sum", "avg", "min", "max", "count", "stddev", "group"])}${grouping()} (${vector(depth - 1)})`;
    if (r < 0.58) return `quantile${grouping()} (${pick(["0.1", "0.5", "0.95"])}, ${vector(depth - 1)})`;
    if (r < 0.62) return `${pick(["topk", "bottomk"])}(${pick(["1", "2", "5"])}, ${pick(selectors)})`;
    if (r < 0.72) return `${vector(depth - 1)} ${pick(["+", "-", "*", "/", ">", "<", "== bool", "!= bool", "%", "atan2"])} ${pick(["0", "1", "1e8", "0.5", "scalar(" + vector(depth - 1) + ")"])}`;
    if (r < 0.82) return `${vector(depth - 1)} ${pick(["+", "/", "-", "> bool", "and", "or", "unless", "*"])}${matching()} ${vector(depth - 1)}`;
    if (r < 0.88) return `${pick(["abs", "ceil", "sqrt", "ln", "sgn", "round", "exp", "timestamp", "-"])}(${vector(depth - 1)})`;
    if (r < 0.92) return `clamp(${vector(depth - 1)}, ${pick(["0", "1"])}, ${pick(["5", "1e9"])})`;
    if (r < 0.96) return `label_replace(${vector(depth - 1)}, "x", "$1", "${pick(labels)}", "(.)(.*)")`;
    return `histogram_quantile(${pick(["0.5", "0.9"])}, sum by (le${chance(0.5) ? ", job" : ""}) (rate(demo_api_request_duration_seconds_bucket[${pick(durations)}])))`;
  };

  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(vector(1 + Math.floor(rnd() * 3)));
  return out;
}
