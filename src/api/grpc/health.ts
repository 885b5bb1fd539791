// gRPC health checking (grpc.health.v1.Health): Check and Watch. The server
// as a whole ("") and each served service are SERVING while ready() is true,
// NOT_SERVING otherwise. Watch sends the current status at once and then each
// change, found by polling ready().

import { status as Status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from "@grpc/grpc-js";
import { HealthCheckResponse_ServingStatus as ServingStatus, type HealthCheckRequest, type HealthCheckResponse } from "./gen/grpc/health/v1/health.js";
import type { Init } from "./wire.js";

export class HealthService {
  private readonly services: Set<string>;
  private readonly watchers = new Set<{ service: string; last: number; call: ServerWritableStream<HealthCheckRequest, Init<HealthCheckResponse>> }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    services: readonly string[],
    private readonly ready: () => boolean,
    private readonly pollIntervalMs = 1000,
  ) {
    this.services = new Set(["", ...services]);
  }

  status(service: string): number {
    if (!this.services.has(service)) return ServingStatus.SERVICE_UNKNOWN;
    return this.ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  check = (call: ServerUnaryCall<HealthCheckRequest, Init<HealthCheckResponse>>, cb: sendUnaryData<Init<HealthCheckResponse>>): void => {
    const st = this.status(call.request.service);
    if (st === ServingStatus.SERVICE_UNKNOWN) {
      const message = `unknown service ${JSON.stringify(call.request.service)}`;
      cb(Object.assign(new Error(message), { code: Status.NOT_FOUND, details: message }));
      return;
    }
    cb(null, { status: st });
  };

  watch = (call: ServerWritableStream<HealthCheckRequest, Init<HealthCheckResponse>>): void => {
    const w = { service: call.request.service, last: this.status(call.request.service), call };
    call.write({ status: w.last });
    this.watchers.add(w);
    const done = (): void => {
      this.watchers.delete(w);
      if (this.watchers.size === 0) this.stopTimer();
    };
    call.on("cancelled", done);
    call.on("close", done);
    call.on("error", done);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.poll(), this.pollIntervalMs);
      this.timer.unref();
    }
  };

  /** Sends changed statuses to the watchers. */
  poll(): void {
    for (const w of this.watchers) {
      const st = this.status(w.service);
      if (st !== w.last) {
        w.last = st;
        w.call.write({ status: st });
      }
    }
  }

  /** Ends every Watch stream (before shutdown). */
  close(): void {
    this.stopTimer();
    for (const w of this.watchers) {
      w.call.write({ status: ServingStatus.NOT_SERVING });
      w.call.end();
    }
    this.watchers.clear();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
