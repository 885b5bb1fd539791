// A small typed gRPC client over the generated method descriptors, for tests,
// tools and the conformance suite: unary, server-streaming and bidi calls on
// one grpc-js channel.

import {
  Client,
  credentials,
  Metadata,
  type CallOptions,
  type ChannelOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
} from "@grpc/grpc-js";
import type { Method } from "./rpc.js";
import type { Init } from "./wire.js";

const MAX_INT32 = 2147483647;

export class GrpcClient {
  readonly raw: Client;

  constructor(address: string, options: ChannelOptions = {}) {
    this.raw = new Client(address, credentials.createInsecure(), {
      "grpc.max_receive_message_length": MAX_INT32,
      "grpc.max_send_message_length": MAX_INT32,
      ...options,
    });
  }

  unary<Req, Res>(m: Method<Req, Res>, req: Init<Req>, opts: CallOptions = {}, metadata = new Metadata()): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.raw.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, metadata, opts, (err, res) => {
        if (err) reject(err);
        else if (res === undefined) reject(new Error(`${m.path}: no response`));
        else resolve(res);
      });
    });
  }

  serverStream<Req, Res>(m: Method<Req, Res>, req: Init<Req>, opts: CallOptions = {}, metadata = new Metadata()): ClientReadableStream<Res> {
    return this.raw.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req, metadata, opts);
  }

  bidi<Req, Res>(m: Method<Req, Res>, opts: CallOptions = {}, metadata = new Metadata()): ClientDuplexStream<Init<Req>, Res> {
    return this.raw.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, metadata, opts);
  }

  /** All responses of a server stream (rejects with the call's error status). */
  async collect<Req, Res>(m: Method<Req, Res>, req: Init<Req>, opts: CallOptions = {}): Promise<Res[]> {
    const out: Res[] = [];
    for await (const r of this.serverStream(m, req, opts)) out.push(r as Res);
    return out;
  }

  close(): void {
    this.raw.close();
  }
}
