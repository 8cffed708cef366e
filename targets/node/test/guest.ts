// Test helper: build guest images from WAT with wabt, importing ABI calls from the table.
import { CALLS, wasmResultOf, wasmTypeOf } from "@tessera/abi";
import { addCustomSection } from "@tessera/image";
import wabtInit from "wabt";

const wabt = await wabtInit();

/** `(import "tessera" ...)` lines for the named calls (all of CALLS if none given), as `$name`. */
export function imports(...names: string[]): string {
  return CALLS.filter((c) => names.length === 0 || names.includes(c.name))
    .map((c) => {
      const params = c.params.map((p) => ` (param ${wasmTypeOf(p)})`).join("");
      const result = wasmResultOf(c);
      return `(import "tessera" "${c.name}" (func $${c.name}${params}${result ? ` (result ${result})` : ""}))`;
    })
    .join("\n");
}

/** Options of guest(). */
export interface GuestOptions {
  abi?: number | null;
  manifest?: string | null;
  names?: boolean;
}

/** Compile a WAT module and add the Tessera custom sections. */
export function guest(text: string, opts: GuestOptions = {}): Uint8Array {
  const mod = wabt.parseWat("guest.wat", text);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(mod.toBinary({ write_debug_names: opts.names ?? true }).buffer);
  } finally {
    mod.destroy();
  }
  const abi = opts.abi === undefined ? 1 : opts.abi;
  if (abi !== null) {
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, abi, true);
    bytes = addCustomSection(bytes, "tessera.abi", payload);
  }
  const manifest = opts.manifest === undefined ? '{"version":1,"devices":[]}' : opts.manifest;
  if (manifest !== null) bytes = addCustomSection(bytes, "tessera.manifest", new TextEncoder().encode(manifest));
  return bytes;
}

/** Collects output into a string. */
export function capture(): { write: (b: Uint8Array) => void; text: () => string; bytes: () => Uint8Array } {
  const chunks: Uint8Array[] = [];
  const bytes = () => Uint8Array.from(chunks.flatMap((c) => [...c]));
  return { write: (b) => chunks.push(b), bytes, text: () => new TextDecoder().decode(bytes()) };
}

/** Echo console input until EOF in reads of `cap` bytes; exit 4 if yield times out (1 s), 5 if the ready set lacks bit 63. */
export const echoGuest = (
  cap: number,
) => `(module ${imports("yield", "clock_monotonic", "console_read", "console_write", "exit")}
  (memory (export "memory") 1)
  (func (export "_start") (local $r i64) (local $rc i32)
    (loop $wait
      (local.set $r (call $yield (i64.add (call $clock_monotonic) (i64.const 1000000000))))
      (if (i64.eqz (local.get $r)) (then (call $exit (i32.const 4))))
      (if (i64.ne (local.get $r) (i64.const 0x8000000000000000)) (then (call $exit (i32.const 5))))
      (loop $read
        (local.set $rc (call $console_read (i32.const 100) (i32.const ${cap}) (i32.const 96)))
        (br_if $wait (i32.eq (local.get $rc) (i32.const 1)))
        (if (i32.ne (local.get $rc) (i32.const 0)) (then (call $exit (i32.const 6))))
        (if (i32.eqz (i32.load (i32.const 96))) (then (call $exit (i32.const 0))))
        (drop (call $console_write (i32.const 100) (i32.load (i32.const 96))))
        (br $read)))))`;
