// examples/echo without ip= gets its address by DHCP from dnsmasq on the Linux
// side of a TAP device in a namespace this test makes; then ping and UDP echo.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { netnsMissing, TapNamespace } from "../helpers/netns.js";
import { need } from "../helpers/require.js";

const why = need("the DHCP tests against dnsmasq", netnsMissing(["ping", "nc", "dnsmasq"]));

const TAP = "tsrd1";
const SERVER = "10.97.0.1";
const LEASE = /dhcp: (10\.97\.0\.\d+)\/24 gw 10\.97\.0\.1 dns 10\.97\.0\.1 lease 3600s/;

let ns: TapNamespace | undefined;
let dir = "";
let output = "";
let dnsmasqLog = "";
let leased = "";

/** Resolves with the first match of `pattern` in what `text()` returns, or null after `ms`. */
async function waitFor(text: () => string, pattern: RegExp, ms: number): Promise<RegExpMatchArray | null> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const m = text().match(pattern);
    if (m) return m;
  }
  return null;
}

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-dhcp-"));
  const built = tessera(["build", "examples/echo", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  ns = new TapNamespace(`tessera-dhcp-${process.pid}`, TAP, `${SERVER}/24`);
  const dnsmasq = ns.start("dnsmasq", [
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    "--port=0", // no DNS service: DHCP only
    `--interface=${TAP}`,
    "--bind-interfaces",
    "--dhcp-range=10.97.0.100,10.97.0.199,255.255.255.0,1h",
    `--dhcp-option=option:router,${SERVER}`,
    `--dhcp-option=option:dns-server,${SERVER}`,
    `--dhcp-leasefile=${join(dir, "leases")}`,
    "--pid-file=",
    "--user=root",
    "--log-dhcp",
    "--log-facility=-",
  ]);
  dnsmasq.stdout!.on("data", (d) => (dnsmasqLog += d));
  dnsmasq.stderr!.on("data", (d) => (dnsmasqLog += d));
  const child = ns.startTessera([join(dir, "echo.wasm"), "--net", `service=tap:${TAP}`]);
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const m = await waitFor(() => output, LEASE, 30_000);
  expect(m, `no lease within 30 s; the unikernel said: ${output}\ndnsmasq said: ${dnsmasqLog}`).not.toBeNull();
  leased = m![1];
}, 90_000);

afterAll(() => {
  ns?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.skipIf(why !== null)("the unikernel logs its lease, and dnsmasq granted that address", () => {
  expect(output).toMatch(LEASE);
  expect(dnsmasqLog).toContain(`DHCPACK(${TAP}) ${leased}`);
});

test.skipIf(why !== null)("Linux pings the leased address", () => {
  expect(ns!.waitForPing(leased, 10), `no answer from ${leased}; the unikernel said: ${output}`).toBe(true);
  const r = ns!.run("ping", ["-c", "3", "-i", "0.2", "-W", "2", leased]);
  expect(r.stdout.toString()).toMatch(/3 packets transmitted, 3 received/);
});

test.skipIf(why !== null)("nc -u echo works on the leased address", () => {
  const r = ns!.run("nc", ["-u", "-w", "1", leased, "7"], "hello over dhcp\n");
  expect(r.stdout.toString()).toBe("hello over dhcp\n");
});
