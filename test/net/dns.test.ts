// examples/resolve against dnsmasq through a TAP device in a namespace this test makes: an A record, a CNAME
// chain, NXDOMAIN, and a server that never answers (the retries, then a timeout).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { netnsMissing, TapNamespace, waitForOutput } from "../helpers/netns.js";
import { need } from "../helpers/require.js";

const why = need("the DNS tests against dnsmasq", netnsMissing(["dnsmasq"]));

const TAP = "tsr3";
const HOST = "10.97.0.1";
let ns: TapNamespace | undefined;
let dnsmasq: ChildProcess | undefined;
let dir = "";
let log = "";

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-dns-"));
  const built = tessera(["build", "examples/resolve", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  ns = new TapNamespace(`tessera-dns-${process.pid}`, TAP, `${HOST}/24`);
  // Only what is configured here: example.test is an address, alias.cname.test a CNAME to a host record,
  // and every other name under test/ is NXDOMAIN (--local); no upstream, no hosts file, no DHCP.
  dnsmasq = ns.start("dnsmasq", [
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    "--log-facility=-",
    "--log-queries",
    `--pid-file=${join(dir, "dnsmasq.pid")}`,
    "--bind-interfaces",
    `--listen-address=${HOST}`,
    "--local=/test/",
    "--address=/example.test/10.97.0.42",
    "--host-record=real.cname.test,10.97.0.43",
    "--cname=alias.cname.test,real.cname.test",
  ]);
  dnsmasq.stdout!.on("data", (d) => (log += d));
  dnsmasq.stderr!.on("data", (d) => (log += d));
  expect(await waitForOutput(dnsmasq, /started, version/, 10_000), `dnsmasq did not start: ${log}`).toBe(true);
}, 60_000);

afterAll(() => {
  if (why) return;
  ns?.destroy(); // kills dnsmasq with it
  rmSync(dir, { recursive: true, force: true });
});

/** Runs examples/resolve for `name` with the DNS server `dns`; its status and everything it printed. */
function resolve(name: string, dns = HOST) {
  const r = ns!.runTessera([
    join(dir, "resolve.wasm"),
    "--net",
    `service=tap:${TAP}`,
    "--",
    "ip=10.97.0.2/24",
    `dns=${dns}`,
    `name=${name}`,
  ]);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test.skipIf(why !== null)("resolves an A record: one line per address, status 0", () => {
  const r = resolve("example.test");
  expect(r.output, `dnsmasq said: ${log}`).toBe("example.test: 10.97.0.42\n");
  expect(r.status).toBe(0);
});

test.skipIf(why !== null)("follows a CNAME to the address of its target", () => {
  const r = resolve("alias.cname.test");
  expect(r.output, `dnsmasq said: ${log}`).toBe("alias.cname.test: 10.97.0.43\n");
  expect(r.status).toBe(0);
});

test.skipIf(why !== null)("an unknown name is NXDOMAIN: printed, status 1", () => {
  const r = resolve("nowhere.test");
  expect(r.output, `dnsmasq said: ${log}`).toBe("nowhere.test: not found (NXDOMAIN)\n");
  expect(r.status).toBe(1);
});

test.skipIf(why !== null)(
  "a server that never answers: three tries over 7 s, then a timeout, status 1",
  () => {
    const started = Date.now();
    const r = resolve("example.test", "10.97.0.9"); // nobody has this address
    expect(r.output).toBe("example.test: timed out\n");
    expect(r.status).toBe(1);
    // A lower bound, which load cannot break: it gave up only after its three
    // tries had waited 1 + 2 + 4 s, not at once (how much later is not checked).
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_500);
  },
  30_000,
);
