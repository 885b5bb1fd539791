// The HTTP side of `serve`: /metrics, /-/healthy, /-/ready, plus routes that
// other modules register (Prometheus API, remote read, UI). Node's keep-alive
// timeout is raised well above Go's idle-connection reuse so pooled
// connections from Prometheus or a querier are never reset mid-request.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, register } from "prom-client";

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface HttpServerOptions {
  address: string;
  ready: () => boolean;
  routes?: Record<string, Handler>;
  /** Handler for paths under a prefix, e.g. "/api/v1/label/". */
  prefixRoutes?: Record<string, Handler>;
}

let defaultMetrics = false;

export async function startHttpServer(opts: HttpServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  if (!defaultMetrics) {
    collectDefaultMetrics({ register });
    defaultMetrics = true;
  }
  const routes: Record<string, Handler> = {
    "/-/healthy": (_req, res) => text(res, 200, "parquet-gateway is Healthy.\n"),
    "/-/ready": (_req, res) => (opts.ready() ? text(res, 200, "parquet-gateway is Ready.\n") : text(res, 503, "parquet-gateway is not ready: waiting for the first bucket sync.\n")),
    "/metrics": async (_req, res) => {
      res.writeHead(200, { "content-type": register.contentType });
      res.end(await register.metrics());
    },
    ...opts.routes,
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let h = routes[url.pathname];
    if (!h) for (const [p, ph] of Object.entries(opts.prefixRoutes ?? {})) if (url.pathname.startsWith(p)) h = ph;
    if (!h) return text(res, 404, "404 page not found\n");
    Promise.resolve(h(req, res, url)).catch((e: unknown) => {
      if (!res.headersSent) text(res, 500, `internal error: ${(e as Error).message}\n`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 600_000;
  server.headersTimeout = 601_000;
  server.requestTimeout = 0;
  const [host, portStr] = splitHostPort(opts.address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(portStr), host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

export function splitHostPort(addr: string): [string, string] {
  const i = addr.lastIndexOf(":");
  if (i < 0) throw new Error(`invalid address ${JSON.stringify(addr)}: want host:port`);
  return [addr.slice(0, i).replace(/^\[(.*)\]$/, "$1") || "0.0.0.0", addr.slice(i + 1)];
}
