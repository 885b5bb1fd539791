// PromQL on the gateway side: the project's engine (src/promql) evaluating
// over `serve` through the StoreAPI, as a Thanos querier evaluates over its
// stores. Kept apart so the rest of the bench does not depend on the engine.

import { Engine } from "../src/promql/engine.js";
import { storeQueryable } from "../src/promql/store_queryable.js";
import { RemoteStore, type Answer, type GatewayClient } from "./clients.js";

const engine = new Engine();

export async function gatewayRangeQuery(client: GatewayClient, query: string, start: number, end: number, stepMs: number): Promise<Answer> {
  const res = await engine.rangeQuery(storeQueryable(new RemoteStore(client)), query, start, end, stepMs);
  if (res.value.resultType !== "matrix") throw new Error(`range query ${query}: got ${res.value.resultType}`);
  let samples = 0;
  for (const s of res.value.result) samples += s.t.length;
  return { series: res.value.result.length, samples, values: 0 };
}
