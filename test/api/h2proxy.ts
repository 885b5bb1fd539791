// A TCP proxy that parses the HTTP/2 frames passing through it and counts
// PING and GOAWAY frames in each direction. The keepalive test puts it
// between a grpc-js client and the server to prove that the client really
// pinged and that the server never answered with GOAWAY (ENHANCE_YOUR_CALM).

import net from "node:net";

const PREFACE_LEN = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const FRAME_PING = 0x6;
const FRAME_GOAWAY = 0x7;
const FLAG_ACK = 0x1;

export interface H2Counts {
  clientPings: number;
  serverPingAcks: number;
  serverPings: number;
  /** Error codes of GOAWAY frames sent by the server (0xb = ENHANCE_YOUR_CALM). */
  serverGoaways: number[];
  connections: number;
}

class FrameParser {
  private buf = Buffer.alloc(0);
  private skip: number;

  constructor(
    skipPreface: boolean,
    private readonly onFrame: (type: number, flags: number, payload: Buffer) => void,
  ) {
    this.skip = skipPreface ? PREFACE_LEN : 0;
  }

  push(data: Buffer): void {
    this.buf = Buffer.concat([this.buf, data]);
    if (this.skip > 0) {
      const n = Math.min(this.skip, this.buf.length);
      this.buf = this.buf.subarray(n);
      this.skip -= n;
    }
    while (this.buf.length >= 9) {
      const len = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + len) break;
      this.onFrame(this.buf[3]!, this.buf[4]!, this.buf.subarray(9, 9 + len));
      this.buf = this.buf.subarray(9 + len);
    }
  }
}

export async function startH2Proxy(targetPort: number): Promise<{ port: number; counts: H2Counts; close(): Promise<void> }> {
  const counts: H2Counts = { clientPings: 0, serverPingAcks: 0, serverPings: 0, serverGoaways: [], connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counts.connections++;
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const fromClient = new FrameParser(true, (type, flags) => {
      if (type === FRAME_PING && !(flags & FLAG_ACK)) counts.clientPings++;
    });
    const fromServer = new FrameParser(false, (type, flags, payload) => {
      if (type === FRAME_PING) {
        if (flags & FLAG_ACK) counts.serverPingAcks++;
        else counts.serverPings++;
      } else if (type === FRAME_GOAWAY) counts.serverGoaways.push(payload.readUInt32BE(4));
    });
    client.on("data", (d: Buffer) => {
      fromClient.push(d);
      upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      fromServer.push(d);
      client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("proxy has no port");
  return {
    port: addr.port,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
