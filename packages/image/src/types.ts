// The shape of a parsed image: what parseImage returns.

/** A wasm value type, by its text-format name. */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

/** A function signature. */
export interface FuncType {
  params: ValType[];
  results: ValType[];
}

/** What an import or export is. */
export type ExternKind = "func" | "table" | "memory" | "global" | "tag";

/** One section of the module. */
export interface Section {
  /** Section id (0 = custom). */
  id: number;
  /** Name of a custom section. */
  name?: string;
  /** Offset of the section's first byte (its id). */
  start: number;
  /** Offset of the section's payload (after the header and, for custom sections, the name). */
  offset: number;
  /** Size of that payload in bytes. */
  size: number;
}

/** One import. */
export interface Import {
  module: string;
  name: string;
  kind: ExternKind;
  /** The signature of a function import. */
  type?: FuncType;
}

/** One export. */
export interface Export {
  name: string;
  kind: ExternKind;
  index: number;
}

/** Memory limits, in 64 KiB pages. */
export interface MemoryInfo {
  initial: number;
  maximum: number | null;
  exported: boolean;
  imported: boolean;
}

/** A parsed Tessera image (or any wasm module). */
export interface Image {
  sections: Section[];
  types: FuncType[];
  imports: Import[];
  exports: Export[];
  /** Functions imported (they come first in the function index space). */
  importedFunctionCount: number;
  /** Functions defined by the module. */
  functionCount: number;
  /** Signature of every function, by function index (imports first). */
  functionTypes: FuncType[];
  /** Byte size of each defined function's body, by function index. */
  functionBodySizes: Map<number, number>;
  /** The module's memory, or null if it has none. */
  memory: MemoryInfo | null;
  /** Number of data segments and their total size in bytes. */
  dataSegments: number;
  dataSize: number;
  /** Function names from the `name` custom section (subsection 1), by function index. */
  functionNames: Map<number, string>;
  /** The `tessera.abi` version, or null if the section is absent. */
  abiVersion: number | null;
  /** The `tessera.manifest` JSON text, or null if the section is absent. */
  manifestText: string | null;
}
