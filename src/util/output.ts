// Buffered writes to stdout with backpressure: dumps emit millions of lines,
// and one write() per line would dominate the run time.
import type { Writable } from "node:stream";

export class LineWriter {
  private buf = "";
  constructor(
    private readonly out: Writable,
    private readonly flushAt = 1 << 16,
  ) {}

  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buf) return;
    const chunk = this.buf;
    this.buf = "";
    if (!this.out.write(chunk)) await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error): void => reject(e);
      this.out.once("error", onErr);
      this.out.once("drain", () => {
        this.out.off("error", onErr);
        resolve();
      });
    });
  }
}
