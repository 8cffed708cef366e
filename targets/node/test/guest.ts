// Test helper: build guest images from WAT with wabt, importing ABI calls from the table.
import { ABI_VERSION, CALLS, wasmResultOf, wasmTypeOf } from "@tessera/abi";
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
  const abi = opts.abi === undefined ? ABI_VERSION : opts.abi;
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

/** Four address bytes as a WAT data string (`"\0a\63\00\02"`). */
function ipData(ip: string): string {
  return `"${ip
    .split(".")
    .map((o) => "\\" + Number(o).toString(16).padStart(2, "0"))
    .join("")}"`;
}

/**
 * A guest on net device `service` that sends "ARP who-has `target` tell
 * `sender`" from the MAC its tender gives, every 300 ms for 3 s at most (exit
 * 3 after that), until a reply from `target` arrives; then it writes 18 bytes
 * to the console: its own MAC, the reply's sender MAC and its target MAC.
 */
export function arpProbeGuest(sender: string, target: string): string {
  const t = target.split(".").map(Number);
  const targetLe = ((t[3] << 24) | (t[2] << 16) | (t[1] << 8) | t[0]) >>> 0;
  return `(module ${imports("net_acquire", "net_write", "net_read", "yield", "clock_monotonic", "console_write", "exit")}
  (memory (export "memory") 1)
  (data (i32.const 0) "service")
  ;; 64: handle, 68: net_info (MAC first), 96: len_out, 128: the request, 1024: a received frame
  (data (i32.const 128) "\\ff\\ff\\ff\\ff\\ff\\ff" "\\00\\00\\00\\00\\00\\00" "\\08\\06"
    "\\00\\01" "\\08\\00" "\\06" "\\04" "\\00\\01" "\\00\\00\\00\\00\\00\\00" ${ipData(sender)}
    "\\00\\00\\00\\00\\00\\00" ${ipData(target)})
  (func (export "_start") (local $deadline i64) (local $send i64)
    (if (call $net_acquire (i32.const 0) (i32.const 7) (i32.const 64) (i32.const 68)) (then (call $exit (i32.const 2))))
    (memory.copy (i32.const 134) (i32.const 68) (i32.const 6)) ;; Ethernet source
    (memory.copy (i32.const 150) (i32.const 68) (i32.const 6)) ;; ARP sender hardware address
    (local.set $deadline (i64.add (call $clock_monotonic) (i64.const 3000000000)))
    (local.set $send (call $clock_monotonic))
    (loop $wait
      (if (i64.ge_s (call $clock_monotonic) (local.get $deadline)) (then (call $exit (i32.const 3))))
      (if (i64.ge_s (call $clock_monotonic) (local.get $send))
        (then
          (if (call $net_write (i32.load (i32.const 64)) (i32.const 128) (i32.const 42)) (then (call $exit (i32.const 4))))
          (local.set $send (i64.add (call $clock_monotonic) (i64.const 300000000)))))
      (drop (call $yield (local.get $send)))
      (loop $read
        (if (i32.eqz (call $net_read (i32.load (i32.const 64)) (i32.const 1024) (i32.const 2048) (i32.const 96)))
          (then
            ;; ARP (0x0806), reply (2), from the target: print our MAC, the sender's and the target's
            (if (i32.and (i32.and
                  (i32.eq (i32.load16_u (i32.const 1036)) (i32.const 0x0608))
                  (i32.eq (i32.load16_u (i32.const 1044)) (i32.const 0x0200)))
                  (i32.eq (i32.load (i32.const 1052)) (i32.const ${targetLe})))
              (then
                (drop (call $console_write (i32.const 68) (i32.const 6)))
                (drop (call $console_write (i32.const 1046) (i32.const 6)))
                (drop (call $console_write (i32.const 1056) (i32.const 6)))
                (call $exit (i32.const 0))))
            (br $read))))
      (br $wait))))`;
}
