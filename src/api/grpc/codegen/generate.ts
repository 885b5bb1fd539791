// Code generator for ../gen: reads a FileDescriptorSet made by protoc from
// proto/ and writes one strict TypeScript module per .proto file, plus the
// descriptor data for server reflection. Run through `make proto`:
//
//   protoc -I proto --include_imports --descriptor_set_out=SET proto/...
//   node src/api/grpc/codegen/generate.ts SET src/api/grpc/gen
//
// Self-contained (Node builtins only, erasable TypeScript) so Node runs it
// directly from source. It supports the proto3 subset the project's protos
// use and fails loudly on anything else (maps, groups, extensions, proto2,
// proto3 `optional`), rather than generate wrong code.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";

// ---------------------------------------------------------------------------
// Minimal protobuf reader for descriptor.proto.

interface Field {
  no: number;
  wt: number;
  varint: number;
  bytes: Uint8Array;
}

function readVarint(b: Uint8Array, pos: { p: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const c = b[pos.p++];
    if (c === undefined) throw new Error("truncated descriptor");
    v += (c & 127) * mul;
    if (c < 128) return v;
    mul *= 128;
  }
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  const pos = { p: 0 };
  while (pos.p < b.length) {
    const tag = readVarint(b, pos);
    const wt = tag % 8;
    const no = Math.floor(tag / 8);
    if (wt === 0) out.push({ no, wt, varint: readVarint(b, pos), bytes: new Uint8Array(0) });
    else if (wt === 2) {
      const n = readVarint(b, pos);
      out.push({ no, wt, varint: 0, bytes: b.subarray(pos.p, pos.p + n) });
      pos.p += n;
    } else if (wt === 1) pos.p += 8;
    else if (wt === 5) pos.p += 4;
    else throw new Error(`unsupported wire type ${wt} in descriptor`);
  }
  return out;
}

const utf8 = new TextDecoder();
const str = (f: Field): string => utf8.decode(f.bytes);
const strs = (fs: Field[], no: number): string[] => fs.filter((f) => f.no === no).map(str);
const str1 = (fs: Field[], no: number): string => {
  const f = fs.find((x) => x.no === no);
  return f ? str(f) : "";
};
const num1 = (fs: Field[], no: number): number | undefined => fs.find((x) => x.no === no)?.varint;
const subs = (fs: Field[], no: number): Field[][] => fs.filter((f) => f.no === no).map((f) => fields(f.bytes));

// ---------------------------------------------------------------------------
// Descriptor model.

interface FieldDesc {
  name: string;
  number: number;
  label: number; // 1 optional, 2 required, 3 repeated
  type: number; // FieldDescriptorProto.Type
  typeName: string; // ".pkg.Msg" for messages and enums
  jsonName: string;
  oneofIndex: number | undefined;
  packed: boolean | undefined;
  proto3Optional: boolean;
}

interface EnumDesc {
  fullName: string;
  tsName: string;
  values: { name: string; number: number }[];
}

interface MessageDesc {
  fullName: string;
  tsName: string;
  fields: FieldDesc[];
  oneofs: string[];
  mapEntry: boolean;
}

interface MethodDesc {
  name: string;
  input: string;
  output: string;
  clientStreaming: boolean;
  serverStreaming: boolean;
}

interface ServiceDesc {
  fullName: string;
  name: string;
  methods: MethodDesc[];
}

interface FileDesc {
  name: string;
  pkg: string;
  deps: string[];
  syntax: string;
  messages: MessageDesc[];
  enums: EnumDesc[];
  services: ServiceDesc[];
  /** Every fully qualified symbol the file defines (for reflection). */
  symbols: string[];
  raw: Uint8Array;
  hasExtensions: boolean;
}

const RESERVED_TS = new Set([
  "Array", "Boolean", "Buffer", "Date", "Error", "Function", "Map", "Number", "Object", "Promise", "Reader", "Set",
  "String", "Symbol", "Writer", "Init", "MessageCodec", "Method",
]);

function tsIdent(name: string): string {
  return RESERVED_TS.has(name) ? name + "_" : name;
}

function camel(name: string): string {
  let out = "";
  let up = false;
  for (const ch of name) {
    if (ch === "_") up = true;
    else {
      out += up ? ch.toUpperCase() : ch;
      up = false;
    }
  }
  return out;
}

function parseEnum(fs: Field[], scope: string, tsScope: string, file: FileDesc): void {
  const name = str1(fs, 1);
  const fullName = scope + "." + name;
  const values = subs(fs, 2).map((v) => ({ name: str1(v, 1), number: (num1(v, 2) ?? 0) | 0 }));
  file.enums.push({ fullName, tsName: tsIdent(tsScope + name), values });
  file.symbols.push(fullName.slice(1));
  // Enum values are scoped as siblings of the enum.
  for (const v of values) file.symbols.push((scope + "." + v.name).slice(1));
}

function parseMessage(fs: Field[], scope: string, tsScope: string, file: FileDesc): void {
  const name = str1(fs, 1);
  const fullName = scope + "." + name;
  const tsName = tsScope + name;
  const opts = fs.find((f) => f.no === 7);
  const mapEntry = opts ? num1(fields(opts.bytes), 7) === 1 : false;
  if (subs(fs, 6).length > 0 || subs(fs, 5).length > 0) file.hasExtensions = true;
  const msg: MessageDesc = {
    fullName,
    tsName: tsIdent(tsName),
    oneofs: subs(fs, 8).map((o) => str1(o, 1)),
    mapEntry,
    fields: subs(fs, 2).map((f) => {
      const fo = f.find((x) => x.no === 8);
      const packedOpt = fo ? num1(fields(fo.bytes), 2) : undefined;
      const nm = str1(f, 1);
      return {
        name: nm,
        number: num1(f, 3) ?? 0,
        label: num1(f, 4) ?? 1,
        type: num1(f, 5) ?? 0,
        typeName: str1(f, 6),
        jsonName: str1(f, 10) || camel(nm),
        oneofIndex: num1(f, 9),
        packed: packedOpt === undefined ? undefined : packedOpt === 1,
        proto3Optional: num1(f, 17) === 1,
      };
    }),
  };
  file.messages.push(msg);
  file.symbols.push(fullName.slice(1));
  for (const f of msg.fields) file.symbols.push(fullName.slice(1) + "." + f.name);
  for (const o of msg.oneofs) file.symbols.push(fullName.slice(1) + "." + o);
  for (const n of subs(fs, 3)) parseMessage(n, fullName, tsName + "_", file);
  for (const e of subs(fs, 4)) parseEnum(e, fullName, tsName + "_", file);
}

function parseFile(raw: Uint8Array): FileDesc {
  const fs = fields(raw);
  const file: FileDesc = {
    name: str1(fs, 1),
    pkg: str1(fs, 2),
    deps: strs(fs, 3),
    syntax: str1(fs, 12) || "proto2",
    messages: [],
    enums: [],
    services: [],
    symbols: [],
    raw,
    hasExtensions: subs(fs, 7).length > 0,
  };
  const scope = file.pkg ? "." + file.pkg : "";
  for (const m of subs(fs, 4)) parseMessage(m, scope, "", file);
  for (const e of subs(fs, 5)) parseEnum(e, scope, "", file);
  for (const s of subs(fs, 6)) {
    const name = str1(s, 1);
    const svc: ServiceDesc = {
      fullName: (scope + "." + name).slice(1),
      name,
      methods: subs(s, 2).map((m) => ({
        name: str1(m, 1),
        input: str1(m, 2),
        output: str1(m, 3),
        clientStreaming: num1(m, 5) === 1,
        serverStreaming: num1(m, 6) === 1,
      })),
    };
    file.services.push(svc);
    file.symbols.push(svc.fullName);
    for (const m of svc.methods) file.symbols.push(svc.fullName + "." + m.name);
  }
  return file;
}

// ---------------------------------------------------------------------------
// Code generation.

const T = {
  DOUBLE: 1, FLOAT: 2, INT64: 3, UINT64: 4, INT32: 5, FIXED64: 6, FIXED32: 7, BOOL: 8, STRING: 9, GROUP: 10,
  MESSAGE: 11, BYTES: 12, UINT32: 13, ENUM: 14, SFIXED32: 15, SFIXED64: 16, SINT32: 17, SINT64: 18,
} as const;

/** Writer/Reader method, wire type and TS type of each scalar type. */
const SCALAR: Record<number, { fn: string; wt: number; ts: string; zero: string }> = {
  [T.DOUBLE]: { fn: "double", wt: 1, ts: "number", zero: "0" },
  [T.FLOAT]: { fn: "float", wt: 5, ts: "number", zero: "0" },
  [T.INT64]: { fn: "int64", wt: 0, ts: "number", zero: "0" },
  [T.UINT64]: { fn: "uint64", wt: 0, ts: "bigint", zero: "0n" },
  [T.INT32]: { fn: "int32", wt: 0, ts: "number", zero: "0" },
  [T.FIXED64]: { fn: "fixed64", wt: 1, ts: "bigint", zero: "0n" },
  [T.FIXED32]: { fn: "fixed32", wt: 5, ts: "number", zero: "0" },
  [T.BOOL]: { fn: "bool", wt: 0, ts: "boolean", zero: "false" },
  [T.STRING]: { fn: "string", wt: 2, ts: "string", zero: '""' },
  [T.BYTES]: { fn: "bytes", wt: 2, ts: "Uint8Array", zero: "EMPTY_BYTES" },
  [T.UINT32]: { fn: "uint32", wt: 0, ts: "number", zero: "0" },
  [T.ENUM]: { fn: "int32", wt: 0, ts: "number", zero: "0" },
  [T.SFIXED32]: { fn: "sfixed32", wt: 5, ts: "number", zero: "0" },
  [T.SFIXED64]: { fn: "sfixed64", wt: 1, ts: "number", zero: "0" },
  [T.SINT32]: { fn: "sint32", wt: 0, ts: "number", zero: "0" },
  [T.SINT64]: { fn: "sint64", wt: 0, ts: "number", zero: "0" },
};

interface TypeRef {
  file: FileDesc;
  tsName: string;
  kind: "message" | "enum";
}

function modulePath(protoName: string): string {
  return protoName.replace(/\.proto$/, "");
}

function moduleAlias(protoName: string): string {
  return modulePath(protoName).replace(/[^A-Za-z0-9]/g, "_");
}

function generateFile(file: FileDesc, types: Map<string, TypeRef>, outDir: string): string {
  if (file.syntax !== "proto3") throw new Error(`${file.name}: only proto3 is supported`);
  if (file.hasExtensions) throw new Error(`${file.name}: extensions are not supported`);
  const here = join(outDir, modulePath(file.name) + ".ts");
  const rel = (target: string): string => {
    let r = relative(dirname(here), target).split("\\").join("/");
    if (!r.startsWith(".")) r = "./" + r;
    return r;
  };
  const usedImports = new Set<string>();
  const runtime = new Set<string>(["type Init", "type MessageCodec", "Reader", "Writer", "checkEnd", "skipField"]);
  const ref = (typeName: string): TypeRef & { expr: string } => {
    const t = types.get(typeName);
    if (!t) throw new Error(`${file.name}: unknown type ${typeName}`);
    if (t.file === file) return { ...t, expr: t.tsName };
    usedImports.add(t.file.name);
    return { ...t, expr: moduleAlias(t.file.name) + "." + t.tsName };
  };

  const out: string[] = [];
  for (const e of file.enums) {
    out.push(`/** ${e.fullName.slice(1)} (open enum: unknown numbers decode as themselves). */`);
    out.push(`export const ${e.tsName} = {`);
    for (const v of e.values) out.push(`  ${JSON.stringify(v.name)}: ${v.number},`);
    out.push(`} as const;`);
    out.push(`export type ${e.tsName} = number;`, ``);
  }

  for (const m of file.messages) {
    if (m.mapEntry) throw new Error(`${file.name}: map fields are not supported (${m.fullName})`);
    const flds = [...m.fields].sort((a, b) => a.number - b.number);
    for (const f of flds) {
      if (f.type === T.GROUP) throw new Error(`${m.fullName}.${f.name}: groups are not supported`);
      if (f.proto3Optional) throw new Error(`${m.fullName}.${f.name}: proto3 optional is not supported`);
      if (f.label === 2) throw new Error(`${m.fullName}.${f.name}: required fields are not supported`);
    }
    const tsType = (f: FieldDesc): string => {
      if (f.type === T.MESSAGE || f.type === T.ENUM) {
        const r = ref(f.typeName);
        if (f.type === T.ENUM) return r.expr;
        return r.expr;
      }
      const s = SCALAR[f.type];
      if (!s) throw new Error(`unsupported type ${f.type}`);
      return s.ts;
    };
    const oneofCase = (f: FieldDesc): string => f.jsonName;
    const oneofProp = (i: number): string => camel(m.oneofs[i]!);

    // Interface.
    out.push(`/** ${m.fullName.slice(1)} */`);
    out.push(`export interface ${m.tsName} {`);
    const seenOneof = new Set<number>();
    for (const f of flds) {
      if (f.oneofIndex !== undefined) {
        if (seenOneof.has(f.oneofIndex)) continue;
        seenOneof.add(f.oneofIndex);
        const members = flds.filter((x) => x.oneofIndex === f.oneofIndex);
        const union = members.map((x) => `{ $case: ${JSON.stringify(oneofCase(x))}; ${oneofCase(x)}: ${tsType(x)} }`);
        out.push(`  ${oneofProp(f.oneofIndex)}?:`);
        for (let i = 0; i < union.length; i++) out.push(`    | ${union[i]}${i === union.length - 1 ? ";" : ""}`);
        continue;
      }
      const t = tsType(f);
      if (f.label === 3) out.push(`  ${f.jsonName}: ${t}[];`);
      else if (f.type === T.MESSAGE) out.push(`  ${f.jsonName}?: ${t};`);
      else out.push(`  ${f.jsonName}: ${t};`);
    }
    out.push(`}`, ``);

    // Codec.
    const tagOf = (f: FieldDesc, wt: number): number => f.number * 8 + wt;
    const enc: string[] = [];
    const encodeValue = (f: FieldDesc, v: string, ind: string): void => {
      if (f.type === T.MESSAGE) {
        enc.push(`${ind}w.uint32(${tagOf(f, 2)});`);
        enc.push(`${ind}{ const s = w.fork(); ${ref(f.typeName).expr}.encode(${v}, w); w.ldelim(s); }`);
      } else {
        const s = SCALAR[f.type]!;
        enc.push(`${ind}w.uint32(${tagOf(f, s.wt)});`);
        enc.push(`${ind}w.${s.fn}(${v});`);
      }
    };
    const doneOneof = new Set<number>();
    for (const f of flds) {
      const p = `m.${f.jsonName}`;
      if (f.oneofIndex !== undefined) {
        if (doneOneof.has(f.oneofIndex)) continue;
        doneOneof.add(f.oneofIndex);
        const members = flds.filter((x) => x.oneofIndex === f.oneofIndex);
        const o = `o${f.oneofIndex}`;
        enc.push(`  const ${o} = m.${oneofProp(f.oneofIndex)};`);
        enc.push(`  if (${o} !== undefined) {`);
        enc.push(`    switch (${o}.$case) {`);
        for (const x of members) {
          enc.push(`      case ${JSON.stringify(oneofCase(x))}:`);
          encodeValue(x, `${o}.${oneofCase(x)}`, "        ");
          enc.push(`        break;`);
        }
        enc.push(`    }`, `  }`);
        continue;
      }
      if (f.label === 3) {
        const packable = f.type !== T.MESSAGE && f.type !== T.STRING && f.type !== T.BYTES;
        if (packable && f.packed !== false) {
          const s = SCALAR[f.type]!;
          enc.push(`  if (${p} !== undefined && ${p}.length > 0) {`);
          enc.push(`    w.uint32(${tagOf(f, 2)});`);
          enc.push(`    const s = w.fork();`);
          enc.push(`    for (const v of ${p}) w.${s.fn}(v);`);
          enc.push(`    w.ldelim(s);`);
          enc.push(`  }`);
        } else {
          enc.push(`  if (${p} !== undefined) for (const v of ${p}) {`);
          encodeValue(f, "v", "    ");
          enc.push(`  }`);
        }
        continue;
      }
      if (f.type === T.MESSAGE) {
        enc.push(`  if (${p} !== undefined) {`);
        encodeValue(f, p, "    ");
        enc.push(`  }`);
        continue;
      }
      let cond: string;
      if (f.type === T.BOOL) cond = `${p} === true`;
      else if (f.type === T.BYTES) cond = `${p} !== undefined && ${p}.length > 0`;
      else cond = `${p} !== undefined && ${p} !== ${SCALAR[f.type]!.zero}`;
      enc.push(`  if (${cond}) {`);
      encodeValue(f, p, "    ");
      enc.push(`  }`);
    }

    const dec: string[] = [];
    const readValue = (f: FieldDesc): string =>
      f.type === T.MESSAGE ? `${ref(f.typeName).expr}.decode(r, r.delimitedEnd())` : `r.${SCALAR[f.type]!.fn}()`;
    const init: string[] = [];
    for (const f of flds) {
      if (f.oneofIndex !== undefined) {
        dec.push(`      case ${tagOf(f, f.type === T.MESSAGE ? 2 : SCALAR[f.type]!.wt)}:`);
        dec.push(`        m.${oneofProp(f.oneofIndex)} = { $case: ${JSON.stringify(oneofCase(f))}, ${oneofCase(f)}: ${readValue(f)} };`);
        dec.push(`        break;`);
        continue;
      }
      if (f.label === 3) {
        init.push(`${f.jsonName}: []`);
        const packable = f.type !== T.MESSAGE && f.type !== T.STRING && f.type !== T.BYTES;
        if (packable) {
          const s = SCALAR[f.type]!;
          dec.push(`      case ${tagOf(f, 2)}: {`);
          dec.push(`        const e = r.delimitedEnd();`);
          dec.push(`        while (r.pos < e) m.${f.jsonName}.push(r.${s.fn}());`);
          dec.push(`        checkEnd(r, e);`);
          dec.push(`        break;`);
          dec.push(`      }`);
          dec.push(`      case ${tagOf(f, s.wt)}:`);
        } else dec.push(`      case ${tagOf(f, 2)}:`);
        dec.push(`        m.${f.jsonName}.push(${readValue(f)});`);
        dec.push(`        break;`);
        continue;
      }
      if (f.type !== T.MESSAGE) {
        const zero = SCALAR[f.type]!.zero;
        if (zero === "EMPTY_BYTES") runtime.add("EMPTY_BYTES");
        init.push(`${f.jsonName}: ${zero}`);
      }
      dec.push(`      case ${tagOf(f, f.type === T.MESSAGE ? 2 : SCALAR[f.type]!.wt)}:`);
      dec.push(`        m.${f.jsonName} = ${readValue(f)};`);
      dec.push(`        break;`);
    }

    out.push(`export const ${m.tsName}: MessageCodec<${m.tsName}> = {`);
    out.push(`  typeName: ${JSON.stringify(m.fullName.slice(1))},`);
    if (enc.length === 0) out.push(`  encode(_m: Init<${m.tsName}>, _w: Writer): void {},`);
    else {
      out.push(`  encode(m: Init<${m.tsName}>, w: Writer): void {`);
      out.push(...enc.map((l) => "  " + l));
      out.push(`  },`);
    }
    out.push(`  decode(r: Reader, end: number): ${m.tsName} {`);
    out.push(init.length ? `    const m: ${m.tsName} = { ${init.join(", ")} };` : `    const m: ${m.tsName} = {};`);
    out.push(`    while (r.pos < end) {`);
    out.push(`      const tag = r.uint32();`);
    if (dec.length === 0) out.push(`      skipField(r, tag);`);
    else {
      out.push(`      switch (tag) {`);
      out.push(...dec.map((l) => "  " + l));
      out.push(`        default:`);
      out.push(`          skipField(r, tag);`);
      out.push(`      }`);
    }
    out.push(`    }`);
    out.push(`    checkEnd(r, end);`);
    out.push(`    return m;`);
    out.push(`  },`);
    out.push(`};`, ``);
  }

  const hasServices = file.services.length > 0;
  for (const s of file.services) {
    out.push(`/** Service ${s.fullName}. */`);
    out.push(`export const ${tsIdent(s.name)}Service = {`);
    for (const mt of s.methods) {
      const i = ref(mt.input);
      const o = ref(mt.output);
      out.push(
        `  ${mt.name}: method<${i.expr}, ${o.expr}>(${JSON.stringify(`/${s.fullName}/${mt.name}`)}, ${mt.clientStreaming}, ${mt.serverStreaming}, ${i.expr}, ${o.expr}),`,
      );
    }
    out.push(`} as const;`, ``);
  }

  const head: string[] = [
    `// Code generated by src/api/grpc/codegen/generate.ts from proto/${file.name}. DO NOT EDIT.`,
    `// Regenerate with \`make proto\`.`,
    ``,
  ];
  if (hasServices) head.push(`import { method } from "${rel(join(outDir, "..", "rpc.ts")).replace(/\.ts$/, ".js")}";`);
  const rt = [...runtime].sort((a, b) => a.replace("type ", "").localeCompare(b.replace("type ", "")));
  head.push(`import { ${rt.join(", ")} } from "${rel(join(outDir, "..", "wire.ts")).replace(/\.ts$/, ".js")}";`);
  for (const dep of [...usedImports].sort()) {
    head.push(`import * as ${moduleAlias(dep)} from "${rel(join(outDir, modulePath(dep) + ".ts")).replace(/\.ts$/, ".js")}";`);
  }
  head.push(``);
  return head.concat(out).join("\n").replace(/\n+$/, "\n");
}

function generateReflectionData(files: FileDesc[]): string {
  const out: string[] = [
    `// Code generated by src/api/grpc/codegen/generate.ts from proto/. DO NOT EDIT.`,
    `// Regenerate with \`make proto\`. Serialized FileDescriptorProtos (as made by`,
    `// protoc) for the server reflection service.`,
    ``,
    `export interface ReflectionFile {`,
    `  /** File name as imported, e.g. "store/storepb/rpc.proto". */`,
    `  readonly name: string;`,
    `  /** Files it imports. */`,
    `  readonly dependencies: readonly string[];`,
    `  /** Fully qualified names it defines: messages, fields, oneofs, enums, enum values, services, methods. */`,
    `  readonly symbols: readonly string[];`,
    `  /** Base64 of the serialized google.protobuf.FileDescriptorProto. */`,
    `  readonly descriptor: string;`,
    `}`,
    ``,
    `export const reflectionFiles: readonly ReflectionFile[] = [`,
  ];
  for (const f of files) {
    out.push(`  {`);
    out.push(`    name: ${JSON.stringify(f.name)},`);
    out.push(`    dependencies: ${JSON.stringify(f.deps)},`);
    out.push(`    symbols: [`);
    for (const s of f.symbols) out.push(`      ${JSON.stringify(s)},`);
    out.push(`    ],`);
    const b64 = Buffer.from(f.raw).toString("base64");
    const parts: string[] = [];
    for (let i = 0; i < b64.length; i += 96) parts.push(JSON.stringify(b64.slice(i, i + 96)));
    out.push(`    descriptor:`);
    out.push(`      ${parts.join(" +\n      ")},`);
    out.push(`  },`);
  }
  out.push(`];`, ``);
  return out.join("\n");
}

function main(): void {
  const [setPath, outDir] = process.argv.slice(2);
  if (!setPath || !outDir) {
    console.error("usage: node generate.ts DESCRIPTOR_SET OUT_DIR");
    process.exit(2);
  }
  const set = new Uint8Array(readFileSync(setPath));
  const files = fields(set)
    .filter((f) => f.no === 1)
    .map((f) => parseFile(f.bytes));
  const types = new Map<string, TypeRef>();
  for (const file of files) {
    for (const m of file.messages) types.set(m.fullName, { file, tsName: m.tsName, kind: "message" });
    for (const e of file.enums) types.set(e.fullName, { file, tsName: e.tsName, kind: "enum" });
  }
  rmSync(outDir, { recursive: true, force: true });
  for (const file of files) {
    const target = join(outDir, modulePath(file.name) + ".ts");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, generateFile(file, types, outDir));
  }
  writeFileSync(join(outDir, "reflection_data.ts"), generateReflectionData(files));
  console.log(`generated ${files.length} modules in ${posix.normalize(outDir)}`);
}

main();
