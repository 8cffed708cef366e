// The tap backend against the Linux kernel: a guest on a TAP device in a
// network namespace that this test makes asks the kernel for its MAC address
// with ARP, and the kernel answers. Frames go both ways through the tender.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { guest, imports } from "./guest.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const NS = `tessera-tap-${process.pid}`;
const TAP = "tsr0";

function missing(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  if (!existsSync("/dev/net/tun")) return "no /dev/net/tun";
  if (spawnSync("ip", ["-V"]).status !== 0) return "no ip command (iproute2)";
  if (!existsSync(join(ROOT, "targets/node/native/tessera_tap.node"))) return "the native helper is not built (gcc)";
  return null;
}
const why = missing();
if (why) console.warn(`skipped the tap backend tests: ${why}`);

const ip = (...args: string[]) => execFileSync("ip", ["netns", "exec", NS, "ip", ...args], { encoding: "utf8" });

let dir = "";
beforeAll(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-tap-"));
  execFileSync("ip", ["netns", "add", NS]);
  ip("tuntap", "add", "dev", TAP, "mode", "tap");
  ip("addr", "add", "10.99.0.1/24", "dev", TAP);
  ip("link", "set", TAP, "up");
});

afterAll(() => {
  if (why) return;
  spawnSync("ip", ["netns", "del", NS]);
  rmSync(dir, { recursive: true, force: true });
});

// ARP who-has 10.99.0.1 tell 10.99.0.2, from the MAC the tender gives; then
// wait (2 s at most) for the reply and print the guest's MAC, the reply's
// sender MAC (the kernel's) and its target MAC (which must be the guest's).
const ARP_GUEST = `(module ${imports("net_acquire", "net_write", "net_read", "yield", "clock_monotonic", "console_write", "exit")}
  (memory (export "memory") 1)
  (data (i32.const 0) "service")
  ;; 64: handle, 68: info (mac at 68), 96: len_out
  ;; 128: the request frame
  (data (i32.const 128) "\\ff\\ff\\ff\\ff\\ff\\ff" "\\00\\00\\00\\00\\00\\00" "\\08\\06"
    "\\00\\01" "\\08\\00" "\\06" "\\04" "\\00\\01" "\\00\\00\\00\\00\\00\\00" "\\0a\\63\\00\\02"
    "\\00\\00\\00\\00\\00\\00" "\\0a\\63\\00\\01")
  (func (export "_start") (local $deadline i64)
    (if (call $net_acquire (i32.const 0) (i32.const 7) (i32.const 64) (i32.const 68)) (then (call $exit (i32.const 2))))
    (memory.copy (i32.const 134) (i32.const 68) (i32.const 6)) ;; Ethernet source
    (memory.copy (i32.const 150) (i32.const 68) (i32.const 6)) ;; ARP sender hardware address
    (if (call $net_write (i32.load (i32.const 64)) (i32.const 128) (i32.const 42)) (then (call $exit (i32.const 4))))
    (local.set $deadline (i64.add (call $clock_monotonic) (i64.const 2000000000)))
    (loop $wait
      (if (i64.ge_s (call $clock_monotonic) (local.get $deadline)) (then (call $exit (i32.const 3))))
      (drop (call $yield (local.get $deadline)))
      (loop $read
        (if (i32.eqz (call $net_read (i32.load (i32.const 64)) (i32.const 1024) (i32.const 2048) (i32.const 96)))
          (then
            ;; ARP (0x0806), reply (2), from 10.99.0.1: print our MAC, then the sender's
            (if (i32.and (i32.and
                  (i32.eq (i32.load16_u (i32.const 1036)) (i32.const 0x0608))
                  (i32.eq (i32.load16_u (i32.const 1044)) (i32.const 0x0200)))
                  (i32.eq (i32.load (i32.const 1052)) (i32.const 0x0100630a)))
              (then
                (drop (call $console_write (i32.const 68) (i32.const 6)))
                (drop (call $console_write (i32.const 1046) (i32.const 6)))
                (drop (call $console_write (i32.const 1056) (i32.const 6)))
                (call $exit (i32.const 0))))
            (br $read))))
      (br $wait))))`;

test.skipIf(why !== null)("a guest's ARP request reaches the Linux kernel and its reply reaches the guest", () => {
  const image = join(dir, "arp.wasm");
  writeFileSync(image, guest(ARP_GUEST, { manifest: '{"version":1,"devices":[{"name":"service","kind":"net"}]}' }));
  const r = spawnSync(
    "ip",
    [
      "netns",
      "exec",
      NS,
      process.execPath,
      join(ROOT, "packages/cli/bin/tessera.cjs"),
      "run",
      image,
      "--net",
      `service=tap:${TAP}`,
    ],
    { timeout: 20_000 },
  );
  expect(r.stderr.toString()).toBe("");
  expect(r.status).toBe(0);
  const out = r.stdout;
  expect(out.length).toBe(18);
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
  const guestMac = hex(out.subarray(0, 6));
  const kernelMac = hex(out.subarray(6, 12));
  expect(kernelMac).toBe(ip("-o", "link", "show", TAP).match(/link\/ether ([0-9a-f:]{17})/)![1]);
  expect(guestMac).toMatch(/^[0-9a-f][26ae]:/); // locally administered
  // The kernel answered the guest, at the MAC the tender gave it.
  expect(hex(out.subarray(12, 18))).toBe(guestMac);
});

test.skipIf(why !== null)("a TAP device the tender may not open is refused in one line", () => {
  const image = join(dir, "plain.wasm");
  writeFileSync(
    image,
    guest(`(module (memory (export "memory") 1) (func (export "_start")))`, {
      manifest: '{"version":1,"devices":[{"name":"service","kind":"net"}]}',
    }),
  );
  // A TAP name that exists as a non-TAP device: the kernel refuses TUNSETIFF.
  const r = spawnSync(
    "ip",
    [
      "netns",
      "exec",
      NS,
      process.execPath,
      join(ROOT, "packages/cli/bin/tessera.cjs"),
      "run",
      image,
      "--net",
      "service=tap:lo",
    ],
    { encoding: "utf8", timeout: 20_000 },
  );
  expect(r.stderr).toMatch(/^tessera: --net service=tap:lo: cannot attach to TAP device lo: .+\n$/);
  expect(r.status).toBe(1);
});
