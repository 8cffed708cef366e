// User-mode networking outbound, on the Node tender and on tessera-spt: a guest
// on `--net service=user` reaches the host's own services through its gateway's
// NAT. Servers started here on the host's loopback: an HTTP server (the
// http-server fixture's fetch= GETs /data and POSTs to /echo), a UDP echo
// server, and a DNS server on 127.0.83.1:53 that the test's resolv.conf names.
// The guest reaches the HTTP server through 10.0.2.2 (the host's 127.0.0.1), by
// a name from the test's hosts file (answered by the gateway's resolver at
// 10.0.2.3, which asks no DNS server for it), and by a name only the DNS server
// knows (forwarded); a port nobody listens on is refused at once, not after the
// client's 10 s connect timeout; a UDP datagram to 10.0.2.2 comes back from
// 10.0.2.2; a name nobody knows is NXDOMAIN from the DNS server.
import { spawn } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TESSERA } from "../helpers/cli.js";
import { firstMissing, need, root } from "../helpers/require.js";
import { buildFor, targetMissing, type Target } from "../helpers/targets.js";

/** The DNS server's address: a loopback address of its own, port 53 (resolv.conf has no ports). */
const DNS_ADDR = "127.0.83.1";

let dir = "";
let http: Server;
let httpPort = 0;
let closedPort = 0;
let udp: UdpSocket;
let udpPort = 0;
let dns: UdpSocket;
let hostsFile = "";
let resolvConf = "";
const seen: string[] = []; // what the servers were asked: "host H", "query NAME", "udp TEXT"

/** Runs `tessera run IMAGE ...args` without blocking this process (its servers must answer); status, output, time. */
function run(args: string[], ms = 30_000): Promise<{ status: number | null; out: string; seconds: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [TESSERA, "run", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, out, seconds: (performance.now() - started) / 1000 });
    });
  });
}

// A DNS server that answers fwd.test with 127.0.0.1 and NXDOMAIN for every other name.
function answer(query: Buffer): Buffer {
  const labels: string[] = [];
  let i = 12;
  while (i < query.length && query[i] !== 0) {
    labels.push(query.subarray(i + 1, i + 1 + query[i]).toString("latin1"));
    i += query[i] + 1;
  }
  const name = labels.join(".");
  seen.push(`query ${name}`);
  const found = name === "fwd.test";
  const header = Buffer.from([query[0], query[1], 0x81, found ? 0x80 : 0x83, 0, 1, 0, found ? 1 : 0, 0, 0, 0, 0]);
  const record = found ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) : Buffer.alloc(0);
  return Buffer.concat([header, query.subarray(12, i + 5), record]);
}

const why = need("outbound user-mode networking (a DNS server on port 53)", root());

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-outbound-"));
  hostsFile = join(dir, "hosts");
  writeFileSync(
    hostsFile,
    "# the test's\n127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n127.0.0.1 hostsvc hostsvc.test\n",
  );
  resolvConf = join(dir, "resolv.conf");
  writeFileSync(resolvConf, `search example\nnameserver ${DNS_ADDR}\noptions ndots:0\n`);
  http = createServer((req, res) => {
    seen.push(`host ${req.headers.host}`);
    if (req.url === "/data") res.end("hello outbound\n");
    else req.pipe(res);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  httpPort = (http.address() as AddressInfo).port;
  // A port nobody listens on: one the system gave and took back.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  udp = createSocket("udp4");
  udp.on("message", (msg, from) => {
    seen.push(`udp ${msg}`);
    udp.send(`pong to ${msg}`, from.port, from.address);
  });
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
  udpPort = udp.address().port;
  dns = createSocket("udp4");
  dns.on("message", (q, from) => dns.send(answer(q), from.port, from.address));
  await new Promise<void>((r) => dns.bind(53, DNS_ADDR, r));
}, 60_000);

afterAll(() => {
  if (why) return;
  http?.close();
  udp?.close();
  dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(["node", "spt"] as Target[])("outbound on %s", (target) => {
  const missing = why
    ? null
    : need(
        `outbound user-mode networking on ${target}`,
        firstMissing(() => targetMissing(target)),
      );
  const skip = why !== null || missing !== null;
  let client = "";
  let pinger = "";

  beforeAll(() => {
    if (skip) return;
    client = buildFor("test/fixtures/http-server", target, join(dir, target));
    pinger = buildFor("test/fixtures/udp-ping", target, join(dir, target));
  }, 180_000);

  const fetch = (image: () => string, target: string) =>
    run([
      image(),
      "--net",
      "service=user",
      "--hosts-file",
      hostsFile,
      "--resolv-conf",
      resolvConf,
      "--",
      `fetch=${target}`,
    ]);

  test.skipIf(skip)("a TCP service on the host's loopback, through 10.0.2.2", async () => {
    seen.length = 0;
    const r = await fetch(() => client, `10.0.2.2:${httpPort}`);
    expect(r.out).toContain("fetched 200 15 bytes");
    expect(r.out).toContain("ping\nfetched 200 4 bytes sum 430 connections 1\n");
    expect(r.status, r.out).toBe(0);
    expect(seen).toEqual([`host 10.0.2.2:${httpPort}`, `host 10.0.2.2:${httpPort}`]);
  });

  test.skipIf(skip)("the same service by a name from the hosts file: no DNS server asked", async () => {
    seen.length = 0;
    const r = await fetch(() => client, `hostsvc:${httpPort}`);
    expect(r.status, r.out).toBe(0);
    expect(seen).toEqual([`host hostsvc:${httpPort}`, `host hostsvc:${httpPort}`]);
  });

  test.skipIf(skip)("a name the hosts file lacks is forwarded to resolv.conf's nameserver", async () => {
    seen.length = 0;
    const r = await fetch(() => client, `fwd.test:${httpPort}`);
    expect(r.status, r.out).toBe(0);
    expect(seen).toEqual(["query fwd.test", `host fwd.test:${httpPort}`, `host fwd.test:${httpPort}`]);
    const unknown = await fetch(() => client, `nosuch.test:${httpPort}`);
    expect(unknown.out).toContain(`nosuch.test:${httpPort}: DNS lookup failed: not found (NXDOMAIN)\n`);
    expect(unknown.status).toBe(1);
  });

  test.skipIf(skip)("a port nobody listens on is refused at once (the host's refusal, as a RST)", async () => {
    const r = await fetch(() => client, `10.0.2.2:${closedPort}`);
    expect(r.out).toContain(`10.0.2.2:${closedPort}: connection refused\n`);
    expect(r.status).toBe(1);
    expect(r.seconds).toBeLessThan(5); // the client's connect timeout is 10 s
  });

  test.skipIf(skip)("a UDP datagram to 10.0.2.2 reaches the host's 127.0.0.1, and the reply comes back", async () => {
    seen.length = 0;
    const r = await run([pinger, "--net", "service=user", "--", `udp=10.0.2.2:${udpPort}`]);
    expect(r.out).toContain(`udp reply pong to ping 0 from 10.0.2.2:${udpPort}\n`);
    expect(r.status, r.out).toBe(0);
    expect(seen).toEqual(["udp ping 0"]);
  });

  test.skipIf(skip)("a hosts file that cannot be read is one line, before the guest starts", async () => {
    const r = await run([client, "--net", "service=user", "--hosts-file", join(dir, "nosuch"), "--", "fetch=x"]);
    expect(r.out).toMatch(/--hosts-file \S*nosuch: cannot read it/);
    expect(r.out).not.toContain("dhcp:");
    expect(r.status).not.toBe(0);
  });
});
