// Typed gRPC method descriptors for the generated services in ./gen. A
// Method has the shape of a grpc-js MethodDefinition (so a record of them can
// be passed to Server.addService and Client.make*Request); its serializers
// accept the partial (Init) form of a message and its deserializers return
// the full form.

import { fromBinary, toBinary, type Init, type MessageCodec } from "./wire.js";

export interface Method<Req, Res> {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly originalName: string;
  requestSerialize(m: Init<Req>): Buffer;
  requestDeserialize(b: Buffer): Req;
  responseSerialize(m: Init<Res>): Buffer;
  responseDeserialize(b: Buffer): Res;
}

export function method<Req, Res>(
  path: string,
  requestStream: boolean,
  responseStream: boolean,
  req: MessageCodec<Req>,
  res: MessageCodec<Res>,
): Method<Req, Res> {
  return {
    path,
    requestStream,
    responseStream,
    originalName: path.slice(path.lastIndexOf("/") + 1),
    requestSerialize: (m) => toBinary(req, m),
    requestDeserialize: (b) => fromBinary(req, b),
    responseSerialize: (m) => toBinary(res, m),
    responseDeserialize: (b) => fromBinary(res, b),
  };
}
