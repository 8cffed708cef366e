// examples/ping against the Linux kernel through a TAP device in a namespace
// this test makes: the unikernel pings Linux, small and fragmented.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { netnsMissing, TapNamespace } from "../helpers/netns.js";
import { need } from "../helpers/require.js";

const why = need("the ping tests against Linux", netnsMissing());

let ns: TapNamespace;
let dir = "";

beforeAll(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-ping-"));
  const built = tessera(["build", "examples/ping", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  ns = new TapNamespace(`tessera-ping-${process.pid}`, "tsr2", "10.95.0.1/24");
}, 60_000);

afterAll(() => {
  if (why) return;
  ns?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function ping(args: string[]) {
  return ns.runTessera([join(dir, "ping.wasm"), "--net", "service=tap:tsr2", "--", "ip=10.95.0.2/24", ...args]);
}

test.skipIf(why !== null)("the unikernel pings Linux: every reply comes back", () => {
  const r = ping(["host=10.95.0.1", "count=5", "interval=100"]);
  const out = r.stdout;
  expect(out.match(/^64 bytes from 10\.95\.0\.1: icmp_seq=\d+ time=\d+ us$/gm)?.length).toBe(5);
  expect(out).toContain("5 sent, 5 received\n");
  expect(r.status).toBe(0);
});

test.skipIf(why !== null)(
  "large pings from the unikernel are fragmented, and Linux's fragmented replies reassembled",
  () => {
    const before = ns.ipCounters();
    const r = ping(["host=10.95.0.1", "count=3", "interval=100", "size=4000"]);
    const after = ns.ipCounters();
    const out = r.stdout;
    expect(out.match(/^4008 bytes from 10\.95\.0\.1/gm)?.length).toBe(3);
    expect(r.status).toBe(0);
    // Linux's own counters: the requests came in fragments that it
    // reassembled (ReasmOKs), and it sent the replies in fragments (FragOKs).
    const reassembled = after.ReasmOKs - before.ReasmOKs;
    const fragments = after.ReasmReqds - before.ReasmReqds;
    const sent = after.FragOKs - before.FragOKs;
    const counters = JSON.stringify({ reassembled, fragments, sent });
    expect(reassembled, counters).toBeGreaterThanOrEqual(3);
    expect(fragments, counters).toBeGreaterThanOrEqual(9); // 4028 bytes of IP at an MTU of 1500: three fragments
    expect(sent, counters).toBeGreaterThanOrEqual(3);
  },
);

test.skipIf(why !== null)("a host that does not answer: the summary says so and the status is 1", () => {
  const r = ping(["host=10.95.0.77", "count=2", "interval=100"]);
  expect(r.stdout).toContain("2 sent, 0 received\n");
  expect(r.status).toBe(1);
});

test.skipIf(why !== null)("bad arguments are one line and status 2", () => {
  const r = ping(["host=10.95.0.1", "count=many"]);
  expect(r.stdout).toBe("ping: count=many: give a whole number from 1 to 100000\n");
  expect(r.status).toBe(2);
});
