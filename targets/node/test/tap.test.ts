// The tap backend against the Linux kernel: a guest on a TAP device in a
// network namespace that this test makes asks the kernel for its MAC address
// with ARP, and the kernel answers. Frames go both ways through the tender.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { netnsMissing } from "../../../test/helpers/netns.js";
import { need } from "../../../test/helpers/require.js";
import { arpProbeGuest, guest } from "./guest.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const NS = `tessera-tap-${process.pid}`;
const TAP = "tsr0";

const why = need("the tap backend tests", netnsMissing());

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

const ARP_GUEST = arpProbeGuest("10.99.0.2", "10.99.0.1");
const NET = '{"version":1,"devices":[{"name":"service","kind":"net"}]}';

/** Runs `tessera run IMAGE --net service=BACKEND` in the namespace, to the end. */
function runIn(image: string, backend: string) {
  const tool = join(ROOT, "packages/cli/bin/tessera.cjs");
  return spawnSync("ip", ["netns", "exec", NS, process.execPath, tool, "run", image, "--net", `service=${backend}`], {
    timeout: 20_000,
  });
}

test.skipIf(why !== null)("a guest's ARP request reaches the Linux kernel and its reply reaches the guest", () => {
  const image = join(dir, "arp.wasm");
  writeFileSync(image, guest(ARP_GUEST, { manifest: NET }));
  const r = runIn(image, `tap:${TAP}`);
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
  writeFileSync(image, guest(`(module (memory (export "memory") 1) (func (export "_start")))`, { manifest: NET }));
  // A TAP name that exists as a non-TAP device: the kernel refuses TUNSETIFF.
  const r = runIn(image, "tap:lo");
  expect(r.stderr.toString()).toMatch(/^tessera: --net service=tap:lo: cannot attach to TAP device lo: .+\n$/);
  expect(r.status).toBe(1);
});
