// examples/echo against the Linux kernel through a TAP device in a namespace
// this test makes: ping (small and fragmented) and UDP echo with nc.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { netnsMissing, TapNamespace } from "../helpers/netns.js";

const why = netnsMissing(["ping", "nc"]);
if (why) console.warn(`skipped the echo tests against Linux: ${why}`);

let ns: TapNamespace;
let dir = "";
let output = "";

beforeAll(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-echo-"));
  const built = tessera(["build", "examples/echo", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  ns = new TapNamespace(`tessera-echo-${process.pid}`, "tsr1", "10.98.0.1/24");
  const child = ns.startTessera([join(dir, "echo.wasm"), "--net", "service=tap:tsr1", "--", "ip=10.98.0.2/24"]);
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  expect(ns.waitForPing("10.98.0.2"), `the unikernel never answered a ping; it said: ${output}`).toBe(true);
}, 60_000);

afterAll(() => {
  if (why) return;
  ns?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test.skipIf(why !== null)("Linux pings the unikernel: every reply comes back", () => {
  const r = ns.run("ping", ["-c", "5", "-i", "0.2", "-W", "2", "10.98.0.2"]);
  expect(r.stdout.toString()).toMatch(/5 packets transmitted, 5 received/);
});

test.skipIf(why !== null)(
  "large pings arrive as IPv4 fragments, are reassembled, and the replies are fragmented back",
  () => {
    const r = ns.run("ping", ["-c", "3", "-i", "0.3", "-W", "2", "-s", "3000", "10.98.0.2"]);
    expect(r.stdout.toString()).toMatch(/3 packets transmitted, 3 received/);
    expect(r.stdout.toString()).toMatch(/3008 bytes from 10\.98\.0\.2/);
  },
);

test.skipIf(why !== null)("nc -u gets every byte back, byte-identical", () => {
  const payload = randomBytes(900).toString("base64"); // 1200 bytes of text, one datagram
  const r = ns.run("nc", ["-u", "-w", "1", "10.98.0.2", "7"], payload + "\n");
  expect(r.stdout.toString()).toBe(payload + "\n");
});

test.skipIf(why !== null)("a datagram to a port nobody listens on is answered with ICMP port unreachable", () => {
  // A connected UDP socket reports the ICMP error as ECONNREFUSED on its next operation.
  const client = `
    const s = require("node:dgram").createSocket("udp4");
    s.on("error", (e) => { console.log(e.code); process.exit(0); });
    s.connect(9, "10.98.0.2", () => {
      s.send("anyone?");
      setTimeout(() => s.send("anyone?"), 300);
      setTimeout(() => { console.log("no error"); process.exit(0); }, 2000);
    });`;
  const r = ns.run(process.execPath, ["-e", client]);
  expect(r.stdout.toString().trim()).toBe("ECONNREFUSED");
});
