// TCP between the Linux kernel and examples/echo through a TAP device in a
// namespace this test makes: 1 GiB to the echo port and back, so 1 GiB in
// each direction at once, and what comes back is what was sent (SHA-256);
// and connections closed by either side end cleanly on both: EOF for Linux,
// never a reset, and a "closed (normal)" line from the unikernel.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { sourceHash } from "../helpers/echo-source.js";
import { netnsMissing, TapNamespace, tcpPeer } from "../helpers/netns.js";
import { need } from "../helpers/require.js";

const why = need("the TCP transfer tests against Linux", netnsMissing(["ping"]));

const GIB = 1 << 30;
let ns: TapNamespace;
let dir = "";
let output = "";

beforeAll(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-tcp-"));
  const built = tessera(["build", "examples/echo", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  ns = new TapNamespace(`tessera-tcp-${process.pid}`, "tsr5", "10.95.0.1/24");
  const child = ns.startTessera([
    join(dir, "echo.wasm"),
    "--net",
    "service=tap:tsr5",
    "--",
    "ip=10.95.0.2/24",
    "msl=250",
  ]);
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  expect(ns.waitForPing("10.95.0.2"), `the unikernel never answered a ping; it said: ${output}`).toBe(true);
}, 120_000);

afterAll(() => {
  if (why) return;
  ns?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test.skipIf(why !== null)(
  "1 GiB to the echo port comes back byte-identical (1 GiB each way), then EOF on both sides",
  async () => {
    const r = await tcpPeer(ns.name, "echo", "10.95.0.2", 7, GIB, 280_000);
    console.log(`tcp echo of 1 GiB: ${r.ms} ms, ${(GIB / 1e6 / (r.ms / 1000)).toFixed(1)} MB/s each way`);
    expect(r.error).toBeNull();
    expect(r.eof).toBe(true);
    expect(r.sent).toBe(GIB);
    expect(r.received).toBe(GIB);
    expect(r.recvHash).toBe(r.sentHash);
    const closed = new RegExp(`tcp 7: 10\\.95\\.0\\.1:\\d+ closed \\(normal\\), ${GIB} bytes in, ${GIB} out\\n`);
    for (let i = 0; i < 50 && !closed.test(output); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output).toMatch(closed);
  },
  300_000,
);

/** Waits (at most `ms`) until the unikernel has printed a line matching `pattern`. */
async function guestSays(pattern: RegExp, ms = 5000): Promise<void> {
  for (let t = 0; t < ms && !pattern.test(output); t += 50) await new Promise((r) => setTimeout(r, 50));
  expect(output).toMatch(pattern);
}

test.skipIf(why !== null)(
  "Linux closes first: it gets everything echoed, then EOF; the unikernel closes normally",
  async () => {
    const r = await tcpPeer(ns.name, "echo", "10.95.0.2", 7, 100_000, 20_000);
    expect(r.error).toBeNull();
    expect(r.eof).toBe(true);
    expect(r.received).toBe(100_000);
    expect(r.recvHash).toBe(r.sentHash);
    await guestSays(/tcp 7: 10\.95\.0\.1:\d+ closed \(normal\), 100000 bytes in, 100000 out\n/);
  },
);

test.skipIf(why !== null)("the unikernel closes first: Linux gets every byte, then EOF, never a reset", async () => {
  const r = await tcpPeer(ns.name, "source", "10.95.0.2", 19, 300_000, 20_000);
  expect(r.error).toBeNull();
  expect(r.eof).toBe(true);
  expect(r.received).toBe(300_000);
  expect(r.recvHash).toBe(sourceHash(300_000));
  // The unikernel closed first, so it passes through TIME-WAIT (2 x msl=250) before it says so.
  await guestSays(/tcp 19: 10\.95\.0\.1:\d+ closed \(normal\), 7 bytes in, 300000 out\n/);
});

test.skipIf(why !== null)("Linux closes while the unikernel is still sending: the unikernel is told why", async () => {
  // The peer asks for 1 GB but stops after the first bytes: a reset, which the unikernel reports.
  const script = `
    const s = require("node:net").connect(19, "10.95.0.2", () => s.write("1000000000\\n"));
    s.once("data", () => { s.destroy(); setTimeout(() => process.exit(0), 200); });`;
  const r = ns.run(process.execPath, ["-e", script], undefined, 10_000);
  expect(r.status, r.stderr.toString()).toBe(0);
  await guestSays(/tcp 19: 10\.95\.0\.1:\d+ closed \(reset\), 11 bytes in, \d+ out\n/);
});
