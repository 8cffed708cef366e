// Test helper: compile WAT text to wasm bytes with wabt, optionally with the Tessera sections.
import { ABI_VERSION } from "@tessera/abi";
import wabtInit from "wabt";
import { addCustomSection } from "../src/index.js";

const wabt = await wabtInit();

/** Compile WAT text to a wasm binary, keeping function names in a name section. */
export function wat(text: string): Uint8Array {
  const mod = wabt.parseWat("test.wat", text);
  try {
    return new Uint8Array(mod.toBinary({ write_debug_names: true }).buffer);
  } finally {
    mod.destroy();
  }
}

/** A u32 little-endian payload. */
export function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Add `tessera.abi` and `tessera.manifest` to a module. */
export function tessera(bytes: Uint8Array, abi = ABI_VERSION, manifest = '{"version":1,"devices":[]}'): Uint8Array {
  const withAbi = addCustomSection(bytes, "tessera.abi", u32le(abi));
  return addCustomSection(withAbi, "tessera.manifest", new TextEncoder().encode(manifest));
}
