// gRPC server reflection (grpc.reflection.v1 and v1alpha), so `grpcurl
// -plaintext HOST:PORT list` and `describe` work. Answers from the
// FileDescriptorProtos protoc made for proto/ (gen/reflection_data.ts), the
// same way grpc-go does: a file is sent with those of its (transitive)
// dependencies not yet sent on the stream.

import { status as Status, type ServerDuplexStream } from "@grpc/grpc-js";
import { reflectionFiles } from "./gen/reflection_data.js";
import type { ServerReflectionRequest, ServerReflectionResponse } from "./gen/grpc/reflection/v1/reflection.js";
import type { Init } from "./wire.js";

interface FileEntry {
  name: string;
  deps: readonly string[];
  bytes: Buffer;
}

export class ReflectionIndex {
  private readonly files = new Map<string, FileEntry>();
  private readonly symbols = new Map<string, string>();

  constructor(readonly services: readonly string[]) {
    for (const f of reflectionFiles) {
      this.files.set(f.name, { name: f.name, deps: f.dependencies, bytes: Buffer.from(f.descriptor, "base64") });
      for (const s of f.symbols) this.symbols.set(s, f.name);
    }
  }

  fileOf(symbol: string): string | undefined {
    return this.symbols.get(symbol.startsWith(".") ? symbol.slice(1) : symbol);
  }

  hasFile(name: string): boolean {
    return this.files.has(name);
  }

  /** The file first (always), then its transitive dependencies not in `sent`. */
  withDependencies(name: string, sent: Set<string>): Buffer[] {
    const out: Buffer[] = [];
    const queue = [name];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const n = queue.shift()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const f = this.files.get(n);
      if (!f) continue;
      if (out.length === 0 || !sent.has(n)) {
        sent.add(n);
        out.push(f.bytes);
      }
      queue.push(...f.deps);
    }
    return out;
  }

  answer(req: ServerReflectionRequest, sent: Set<string>): Init<ServerReflectionResponse> {
    const base = { validHost: req.host, originalRequest: req };
    const error = (code: Status, message: string): Init<ServerReflectionResponse> => ({
      ...base,
      messageResponse: { $case: "errorResponse", errorResponse: { errorCode: code, errorMessage: message } },
    });
    const files = (name: string): Init<ServerReflectionResponse> => ({
      ...base,
      messageResponse: {
        $case: "fileDescriptorResponse",
        fileDescriptorResponse: { fileDescriptorProto: this.withDependencies(name, sent) },
      },
    });
    const r = req.messageRequest;
    switch (r?.$case) {
      case "listServices":
        return {
          ...base,
          messageResponse: {
            $case: "listServicesResponse",
            listServicesResponse: { service: this.services.map((name) => ({ name })) },
          },
        };
      case "fileByFilename":
        return this.hasFile(r.fileByFilename) ? files(r.fileByFilename) : error(Status.NOT_FOUND, `file not found: ${r.fileByFilename}`);
      case "fileContainingSymbol": {
        const f = this.fileOf(r.fileContainingSymbol);
        return f !== undefined ? files(f) : error(Status.NOT_FOUND, `symbol not found: ${r.fileContainingSymbol}`);
      }
      case "fileContainingExtension":
        return error(Status.NOT_FOUND, `extension not found: ${r.fileContainingExtension.containingType}(${r.fileContainingExtension.extensionNumber})`);
      case "allExtensionNumbersOfType": {
        const t = r.allExtensionNumbersOfType;
        if (this.fileOf(t) === undefined) return error(Status.NOT_FOUND, `type not found: ${t}`);
        return {
          ...base,
          messageResponse: {
            $case: "allExtensionNumbersResponse",
            allExtensionNumbersResponse: { baseTypeName: t.startsWith(".") ? t.slice(1) : t, extensionNumber: [] },
          },
        };
      }
      case undefined:
        return error(Status.INVALID_ARGUMENT, "empty reflection request");
    }
  }
}

/**
 * Handler for ServerReflectionInfo. The v1 and v1alpha messages have the same
 * shape, so one handler serves both services.
 */
export function reflectionHandler(
  index: ReflectionIndex,
): (call: ServerDuplexStream<ServerReflectionRequest, Init<ServerReflectionResponse>>) => void {
  return (call) => {
    const sent = new Set<string>();
    call.on("data", (req: ServerReflectionRequest) => {
      call.write(index.answer(req, sent));
    });
    call.on("end", () => call.end());
    call.on("error", () => call.end());
  };
}
