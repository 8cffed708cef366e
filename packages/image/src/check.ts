// checkImage: what every host verifies before it runs an image.
import {
  ABI_VERSION,
  CALLS,
  IMPORT_MODULE,
  SECTION_ABI,
  SECTION_MANIFEST,
  wasmResultOf,
  wasmTypeOf,
} from "@tessera/abi";
import { ImageError } from "./errors.js";
import { parseManifest, type Manifest } from "./manifest.js";
import type { FuncType, Image } from "./types.js";

/** Render a signature as `(i32, i32) -> i32`. */
export function formatFuncType(t: FuncType): string {
  const results = t.results.length === 1 ? t.results[0] : `(${t.results.join(", ")})`;
  return `(${t.params.join(", ")}) -> ${results}`;
}

function sameType(a: FuncType, b: FuncType): boolean {
  const eq = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return eq(a.params, b.params) && eq(a.results, b.results);
}

const BUILD_HINT = "build with tessera build, which routes abort to the runtime";

/**
 * Verify an image against this host's ABI: the ABI version, a valid
 * manifest, imports only from `tessera` with the table's exact signatures,
 * and the `memory` and `_start: () -> ()` exports. Returns the manifest;
 * throws an ImageError with a one-line, actionable message.
 */
export function checkImage(image: Image): Manifest {
  if (image.abiVersion === null) {
    throw new ImageError(`image has no ${SECTION_ABI} section; it was not built with tessera build`);
  }
  if (image.abiVersion !== ABI_VERSION) {
    throw new ImageError(
      `image was built for Tessera ABI v${image.abiVersion}; this host speaks v${ABI_VERSION} (rebuild it with this version of tessera)`,
    );
  }
  if (image.manifestText === null) {
    throw new ImageError(`image has no ${SECTION_MANIFEST} section; it was not built with tessera build`);
  }
  const manifest = parseManifest(image.manifestText);
  for (const imp of image.imports) {
    const what = `${imp.module}.${imp.name}`;
    if (imp.module !== IMPORT_MODULE) {
      throw new ImageError(`image imports ${what}; images may import only ${IMPORT_MODULE}.* (${BUILD_HINT})`);
    }
    const call = CALLS.find((c) => c.name === imp.name);
    if (!call) throw new ImageError(`image imports ${what}, which Tessera ABI v${ABI_VERSION} does not have`);
    if (imp.kind !== "func" || !imp.type)
      throw new ImageError(`image imports ${what} as a ${imp.kind}, not a function`);
    const result = wasmResultOf(call);
    const want: FuncType = { params: call.params.map(wasmTypeOf), results: result ? [result] : [] };
    if (!sameType(imp.type, want)) {
      throw new ImageError(
        `image imports ${what} as ${formatFuncType(imp.type)}; Tessera ABI v${ABI_VERSION} says ${formatFuncType(want)}`,
      );
    }
  }
  const memory = image.exports.find((e) => e.name === "memory");
  if (!memory || memory.kind !== "memory") throw new ImageError("image does not export its memory as `memory`");
  const start = image.exports.find((e) => e.name === "_start");
  if (!start || start.kind !== "func") throw new ImageError("image does not export a `_start` function");
  const type = image.functionTypes[start.index];
  if (!type || type.params.length !== 0 || type.results.length !== 0) {
    throw new ImageError(`image exports _start as ${type ? formatFuncType(type) : "?"}; it must be () -> ()`);
  }
  return manifest;
}
