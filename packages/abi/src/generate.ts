/**
 * Renders the ABI table into the three bindings that must never drift from it:
 * AssemblyScript imports, the C header and the TypeScript host interface.
 *
 * @module
 */
import {
  ABI_VERSION,
  CALLS,
  CMDLINE_MAX,
  CONSOLE_READY_BIT,
  IMPORT_MODULE,
  MAX_DEVICES,
  MAX_HANDLE,
  RESULTS,
  STRUCTS,
  type Call,
  type Param,
} from "./table.js";
import { renderFormats } from "./generate-formats.js";

const BANNER = "Generated from packages/abi/src/table.ts by `npm run generate -w @tessera/abi`. Do not edit.";

/** Name of an ABI call in AssemblyScript (`yield` is a reserved word there). */
export function asName(call: Call): string {
  return call.name === "yield" ? "yield_" : call.name;
}

function asParamType(p: Param): string {
  switch (p.kind) {
    case "ptr":
      return "usize";
    case "i64":
      return "i64";
    case "i32":
      return "i32";
    default:
      return "u32";
  }
}

function asReturnType(c: Call): string {
  switch (c.returns) {
    case "void":
    case "noreturn":
      return "void";
    case "i64":
      return "i64";
    default:
      return "i32";
  }
}

/** The AssemblyScript declarations of every ABI import (packages/abi/assembly/index.ts). */
export function renderAssemblyScript(): string {
  const out: string[] = [];
  out.push(`// The Tessera guest ABI v${ABI_VERSION} as AssemblyScript imports.`);
  out.push(`// ${BANNER}`);
  out.push("");
  out.push(`/** ABI version carried in the image's \`tessera.abi\` section. */`);
  out.push(`export const ABI_VERSION: u32 = ${ABI_VERSION};`);
  for (const [k, v] of Object.entries(RESULTS)) out.push(`export const ${k}: i32 = ${v};`);
  out.push(`/** Largest device handle. */`);
  out.push(`export const MAX_HANDLE: u32 = ${MAX_HANDLE};`);
  out.push(`/** Bit of the \`yield\` ready set that signals console input. */`);
  out.push(`export const CONSOLE_READY_BIT: u32 = ${CONSOLE_READY_BIT};`);
  out.push(`/** Longest boot command line in bytes; hosts refuse longer ones. */`);
  out.push(`export const CMDLINE_MAX: u32 = ${CMDLINE_MAX};`);
  out.push(`/** Most devices an image may name. */`);
  out.push(`export const MAX_DEVICES: u32 = ${MAX_DEVICES};`);
  for (const s of STRUCTS) {
    out.push("");
    out.push(`/** ${s.doc} Size in bytes. */`);
    out.push(`export const ${s.name.toUpperCase()}_SIZE: u32 = ${s.size};`);
    for (const f of s.fields) {
      if (f.name === "pad") continue;
      out.push(`/** Offset of ${s.name}.${f.name}: ${f.doc} */`);
      out.push(`export const ${s.name.toUpperCase()}_${f.name.toUpperCase()}: u32 = ${f.offset};`);
    }
  }
  for (const c of CALLS) {
    out.push("");
    out.push(`/** ${c.doc} */`);
    out.push(`@external("${IMPORT_MODULE}", "${c.name}")`);
    const params = c.params.map((p) => `${p.name}: ${asParamType(p)}`).join(", ");
    out.push(`export declare function ${asName(c)}(${params}): ${asReturnType(c)};`);
  }
  return out.join("\n") + "\n";
}

function cType(p: Param): string {
  switch (p.kind) {
    case "ptr":
      return "uint32_t";
    case "i64":
      return "int64_t";
    case "i32":
      return "int32_t";
    default:
      return "uint32_t";
  }
}

function cReturnType(c: Call): string {
  switch (c.returns) {
    case "void":
    case "noreturn":
      return "void";
    case "i64":
      return "int64_t";
    default:
      return "int32_t";
  }
}

/** The C header shared by the native targets (packages/abi/include/tessera_abi.h). */
export function renderCHeader(): string {
  const out: string[] = [];
  out.push(`/* tessera_abi.h: the Tessera guest ABI v${ABI_VERSION} for the native targets. */`);
  out.push(`/* ${BANNER} */`);
  out.push("#ifndef TESSERA_ABI_H");
  out.push("#define TESSERA_ABI_H");
  out.push("");
  out.push("#include <stdint.h>");
  out.push("");
  out.push(`#define TESSERA_ABI_VERSION ${ABI_VERSION}`);
  for (const [k, v] of Object.entries(RESULTS)) out.push(`#define TESSERA_${k} ${v}`);
  out.push(`#define TESSERA_MAX_HANDLE ${MAX_HANDLE}`);
  out.push(`#define TESSERA_CONSOLE_READY_BIT ${CONSOLE_READY_BIT}`);
  out.push(`#define TESSERA_MAX_DEVICES ${MAX_DEVICES}`);
  out.push(`#define TESSERA_CMDLINE_MAX ${CMDLINE_MAX}`);
  for (const s of STRUCTS) {
    out.push("");
    out.push(`/* ${s.doc} */`);
    out.push(`struct tessera_${s.name} {`);
    for (const f of s.fields) {
      const t = { u8: "uint8_t", u16: "uint16_t", u32: "uint32_t", u64: "uint64_t" }[f.type];
      out.push(`    ${t} ${f.name}${f.count ? `[${f.count}]` : ""}; /* ${f.doc} */`);
    }
    out.push("};");
    out.push(`_Static_assert(sizeof(struct tessera_${s.name}) == ${s.size}, "tessera_${s.name} layout");`);
  }
  out.push("");
  out.push("/*");
  out.push(" * The calls. A native guest makes call N by handing its tender a pointer to");
  out.push(" * struct tessera_args_<name>: the parameters as the wasm import takes them");
  out.push(" * (pointers are uint32_t offsets into the image's linear memory, which the");
  out.push(" * tender checks) and `ret`, which the tender fills in.");
  out.push(" */");
  out.push("enum tessera_call {");
  CALLS.forEach((c, i) => out.push(`    TESSERA_CALL_${c.name.toUpperCase()} = ${i},`));
  out.push(`    TESSERA_CALL_COUNT = ${CALLS.length}`);
  out.push("};");
  for (const c of CALLS) {
    out.push("");
    out.push(`/* ${c.name}: ${c.doc} */`);
    out.push(`struct tessera_args_${c.name} {`);
    const fields: { type: string; name: string; doc: string; size: number }[] = c.params.map((p) => ({
      type: cType(p),
      name: p.name,
      doc: p.doc,
      size: p.kind === "i64" ? 8 : 4,
    }));
    const ret = cReturnType(c);
    if (ret !== "void")
      fields.push({ type: ret, name: "ret", doc: "Set by the tender.", size: ret === "int64_t" ? 8 : 4 });
    let offset = 0;
    let align = 1;
    for (const f of fields) {
      offset = Math.ceil(offset / f.size) * f.size;
      align = Math.max(align, f.size);
      offset += f.size;
      out.push(`    ${f.type} ${f.name}; /* ${f.doc} */`);
    }
    out.push("};");
    const size = Math.ceil(offset / align) * align;
    out.push(`_Static_assert(sizeof(struct tessera_args_${c.name}) == ${size}, "tessera_args_${c.name} layout");`);
  }
  out.push("");
  out.push("#endif /* TESSERA_ABI_H */");
  return out.join("\n") + "\n";
}

function tsParamType(p: Param): string {
  return p.kind === "i64" ? "bigint" : "number";
}

function tsReturnType(c: Call): string {
  switch (c.returns) {
    case "void":
      return "void";
    case "noreturn":
      return "never";
    case "i64":
      return "bigint";
    default:
      return "number";
  }
}

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/** The TypeScript interface a host implements (packages/abi/src/host.ts). */
export function renderHostInterface(): string {
  const out: string[] = [];
  out.push(`// The Tessera guest ABI v${ABI_VERSION} as a TypeScript host interface.`);
  out.push(`// ${BANNER}`);
  out.push("");
  out.push("/**");
  out.push(" * What a host provides as the `tessera` import module. Pointers are offsets");
  out.push(" * into the guest's memory; i64 values arrive as bigint.");
  out.push(" */");
  out.push("export interface TesseraImports {");
  for (const c of CALLS) {
    out.push(`  /** ${c.doc} */`);
    const params = c.params.map((p) => `${camel(p.name)}: ${tsParamType(p)}`).join(", ");
    out.push(`  ${c.name}(${params}): ${tsReturnType(c)};`);
  }
  out.push("}");
  out.push("");
  out.push("/** Names of the ABI calls, in table order. */");
  out.push(`export const CALL_NAMES = ${JSON.stringify(CALLS.map((c) => c.name))} as const;`);
  return out.join("\n") + "\n";
}

/**
 * The native guest's side of every call (packages/abi/native/bindings.c): the
 * function wasm2c's output imports as `w2c_tessera_<name>`, which packs its
 * parameters into the call's argument struct and hands it to the tender.
 */
export function renderNativeBindings(): string {
  const u = (t: string) => (t === "int64_t" ? "u64" : "u32");
  const out: string[] = [];
  out.push(`/* bindings.c: the ABI calls of a native image, as wasm2c's output imports them. */`);
  out.push(`/* ${BANNER} */`);
  out.push('#include "guest.h"');
  out.push('#include "tessera_abi.h"');
  out.push('#include "wasm-rt.h"');
  out.push("");
  out.push("typedef uint32_t u32;");
  out.push("typedef uint64_t u64;");
  out.push("struct w2c_tessera;");
  for (const c of CALLS) {
    const ret = cReturnType(c);
    const params = ["struct w2c_tessera* env", ...c.params.map((p) => `${u(cType(p))} ${p.name}`)].join(", ");
    const noreturn = c.returns === "noreturn" ? "__attribute__((noreturn)) " : "";
    out.push("");
    out.push(`${noreturn}${ret === "void" ? "void" : u(ret)} w2c_tessera_${c.name}(${params}) {`);
    out.push("  (void)env;");
    const init = c.params.map((p) => `.${p.name} = (${cType(p)})${p.name}`).join(", ");
    out.push(`  struct tessera_args_${c.name} args = {${init}};`);
    out.push(`  tessera_native_call(TESSERA_CALL_${c.name.toUpperCase()}, &args);`);
    if (c.returns === "noreturn") out.push("  __builtin_trap(); /* the tender never returns from it */");
    else if (ret !== "void") out.push(`  return (${u(ret)})args.ret;`);
    out.push("}");
  }
  return out.join("\n") + "\n";
}

/**
 * Every generated file, relative to packages/abi: the ABI's bindings, and the
 * native image's and the disk label's formats in the packages that use them
 * (generate-formats.ts).
 */
export function renderAll(): Record<string, string> {
  return {
    "assembly/index.ts": renderAssemblyScript(),
    "include/tessera_abi.h": renderCHeader(),
    "native/bindings.c": renderNativeBindings(),
    "src/host.ts": renderHostInterface(),
    ...renderFormats(),
  };
}
