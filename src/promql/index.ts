// Public API of the PromQL engine.

export type { Expr, ValueType } from "./ast.js";
export { exprType } from "./ast.js";
export { Engine, type EngineOptions, type InstantSample, type QueryOptions, type QueryResult, type QueryValue } from "./engine.js";
export { ParseError, PromQLError, type PromQLErrorKind } from "./errors.js";
export { formatFloatF } from "./gofloat.js";
export { parseExpr } from "./parser.js";
export type { Queryable, SelectHints, SelectResult, Series } from "./storage.js";
export { storeQueryable } from "./store_queryable.js";
export { TsdbQueryable } from "./tsdb_queryable.js";
export type { EvalSeries } from "./value.js";
