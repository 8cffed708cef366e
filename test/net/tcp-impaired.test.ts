// TCP through a lossy network: Linux in a namespace this test makes, its TAP
// device joined to `tessera switch` with 3% loss, 25% reordering, 1%
// duplication and 1 ms delay (seeded) on every frame it sends, and
// examples/echo on the switch. 100 MiB from Linux to the discard service
// arrives whole (CRC-32 and length, as the unikernel reports them), and 100 MiB
// from the unikernel's source service to Linux arrive byte-identical (SHA-256).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { sourceHash } from "../helpers/echo-source.js";
import { BackgroundTessera, netnsMissing, TapNamespace, tcpPeer } from "../helpers/netns.js";
import { need } from "../helpers/require.js";

const why = need("the TCP tests through an impaired switch", netnsMissing(["ping"]));

const MIB = 1 << 20;
const IMPAIRMENT = ["--loss", "3%", "--reorder", "25%", "--duplicate", "1%", "--delay", "1ms", "--seed", "862"];
let ns: TapNamespace;
let dir = "";
let sw: BackgroundTessera;
let guest: BackgroundTessera;

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-tcpimp-"));
  const built = tessera(["build", "examples/echo", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  ns = new TapNamespace(`tessera-tcpimp-${process.pid}`, "tsr6", "10.94.0.1/24");
  const env = { XDG_RUNTIME_DIR: dir };
  sw = new BackgroundTessera(["switch", "lossy", "--tap", "tsr6", ...IMPAIRMENT], { netns: ns.name, env });
  expect(await sw.waitFor(/impairment: loss 3%, reorder 25%, duplicate 1%, delay 1ms, seed 862\n/), sw.output).toBe(
    true,
  );
  guest = new BackgroundTessera(
    ["run", join(dir, "echo.wasm"), "--net", "service=switch:lossy", "--", "ip=10.94.0.2/24", "msl=250"],
    { netns: ns.name, env },
  );
  expect(await sw.waitFor(/port 2 \(tender\) joined/), `the unikernel did not join: ${guest.output}`).toBe(true);
  expect(ns.waitForPing("10.94.0.2"), `no answer to ping; it said: ${guest.output}; the switch: ${sw.output}`).toBe(
    true,
  );
}, 120_000);

afterAll(async () => {
  if (why) return;
  await guest?.stop();
  await sw?.stop();
  ns?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits (at most `ms`) until the unikernel has printed a line matching `pattern`; returns the match. */
async function guestSays(pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray | null> {
  for (let t = 0; t < ms && !pattern.test(guest.output); t += 50) await new Promise((r) => setTimeout(r, 50));
  return guest.output.match(pattern);
}

/** What the switch's impairment has done so far: it prints its counters on SIGUSR1. */
async function impaired(): Promise<Record<"offered" | "lost" | "duplicated" | "reordered", number>> {
  const line = /impairment: offered (\d+), lost (\d+), duplicated (\d+), reordered (\d+)/g;
  const seen = [...sw.output.matchAll(line)].length;
  sw.child.kill("SIGUSR1");
  expect(await sw.waitFor(new RegExp(`(${line.source}[^]*){${seen + 1}}`)), sw.output).toBe(true);
  const [, offered, lost, duplicated, reordered] = [...sw.output.matchAll(line)][seen].map(Number);
  return { offered, lost, duplicated, reordered };
}

/** Asserts that the impairment lost, duplicated and reordered frames between `before` and `after`. */
function expectImpaired(before: Awaited<ReturnType<typeof impaired>>, after: typeof before): void {
  const done = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
  console.log(`impairment during the transfer: ${JSON.stringify(done)}`);
  for (const k of ["lost", "duplicated", "reordered"]) expect(done[k], JSON.stringify(done)).toBeGreaterThan(0);
}

test.skipIf(why !== null)(
  "100 MiB from Linux to the unikernel arrive whole and in order",
  async () => {
    const before = await impaired();
    const r = await tcpPeer(ns.name, "discard", "10.94.0.2", 9, 100 * MIB, 280_000);
    console.log(
      `tcp 100 MiB Linux -> unikernel, impaired: ${r.ms} ms, ${((100 * MIB) / 1e6 / (r.ms / 1000)).toFixed(2)} MB/s`,
    );
    expect(r.error).toBeNull();
    expect(r.eof).toBe(true);
    const line = await guestSays(
      /tcp 9: 10\.94\.0\.1:\d+ closed \((\w+)\), (\d+) bytes in, 0 out, crc32 ([0-9a-f]{8})\n/,
    );
    expect(line, guest.output).not.toBeNull();
    expect(line![1]).toBe("normal");
    expect(Number(line![2])).toBe(100 * MIB);
    expect(line![3]).toBe(r.sentCrc);
    expectImpaired(before, await impaired());
  },
  300_000,
);

test.skipIf(why !== null)(
  "100 MiB from the unikernel to Linux arrive byte-identical",
  async () => {
    const bytes = 100 * MIB;
    const before = await impaired();
    const r = await tcpPeer(ns.name, "source", "10.94.0.2", 19, bytes, 170_000);
    console.log(
      `tcp 100 MiB unikernel -> Linux, impaired: ${r.ms} ms, ${(bytes / 1e6 / (r.ms / 1000)).toFixed(2)} MB/s`,
    );
    expect(r.error).toBeNull();
    expect(r.eof).toBe(true);
    expect(r.received).toBe(bytes);
    expect(r.recvHash).toBe(sourceHash(bytes));
    // Linux's ACKs were impaired too: lost, duplicated and reordered.
    expectImpaired(before, await impaired());
  },
  180_000,
);
