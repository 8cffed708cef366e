// User-mode networking end to end, no root and no TAP: `tessera run IMAGE
// --publish 0:7 ...` with a TCP echo guest (test/fixtures/tcp-echo, which gets
// its address from the gateway's DHCP server), and Node sockets on loopback
// as the host's clients.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { arpProbeGuest, guest } from "../targets/node/test/guest.js";
import { TESSERA, tessera } from "./helpers/cli.js";
import { BackgroundTessera } from "./helpers/netns.js";
import { seeded, sha256 } from "./helpers/bytes.js";

const NET = '{"version":1,"devices":[{"name":"service","kind":"net"}]}';
const TWO_NETS = '{"version":1,"devices":[{"name":"lan","kind":"net"},{"name":"wan","kind":"net"}]}';
const NO_DEVICES = '{"version":1,"devices":[]}';
const RETURNS = `(module (memory (export "memory") 1) (func (export "_start")))`;

let dir = "";
let image = "";
let echo: BackgroundTessera | null = null;
/** Host port of each published guest port. */
const hostPort = new Map<number, number>();

interface Exchange {
  /** What came back, in order. */
  back: Buffer;
  /** The host saw the guest's FIN. */
  ended: boolean;
  /** The socket error, if any (e.g. ECONNRESET). */
  error: string | null;
}

/**
 * Connects to published guest port `guestPort` (or to host port `port`),
 * sends `data` then FIN, and collects everything until the socket closes.
 */
function exchange(
  guestPort: number,
  data: Uint8Array,
  ms = 30_000,
  port = hostPort.get(guestPort)!,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    let error: string | null = null;
    const s = connect(port, "127.0.0.1");
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close within ${ms} ms; ${Buffer.concat(chunks).length} of ${data.length} bytes back`));
    }, ms);
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("end", () => (ended = true));
    s.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on("close", () => {
      clearTimeout(timer);
      resolve({ back: Buffer.concat(chunks), ended, error });
    });
    s.end(data);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tessera-publish-"));
  const built = tessera(["build", "test/fixtures/tcp-echo", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  image = join(dir, "tcp-echo.wasm");
  // Port 9 has no listener in the guest. Host port 0: the system picks free ports, printed in the publishing lines.
  echo = new BackgroundTessera(["run", image, "--publish", "0:7", "--publish", "0:13", "--publish", "127.0.0.1:0:9"]);
  expect(await echo.waitFor(/tcp-echo: listening on 10\.0\.2\.15/), echo.output).toBe(true);
  for (const m of echo.output.matchAll(/publishing 127\.0\.0\.1:(\d+) -> guest port (\d+)/g))
    hostPort.set(Number(m[2]), Number(m[1]));
  expect([...hostPort.keys()].sort(), echo.output).toEqual([13, 7, 9]);
}, 120_000);

afterAll(async () => {
  await echo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("--publish: host TCP connections reach a guest's port", () => {
  test("10 MiB of seeded random bytes echo back unchanged (sha256)", async () => {
    const data = seeded(10 * 1024 * 1024, 0x5eed);
    const r = await exchange(7, data, 60_000);
    expect(r.error).toBeNull();
    expect(r.back.length).toBe(data.length);
    expect(sha256(r.back)).toBe(sha256(data));
    expect(r.ended).toBe(true);
  }, 90_000);

  test("50 connections at once, each echoed unchanged", async () => {
    const sent = Array.from({ length: 50 }, (_, i) => seeded(64 * 1024 + i * 1031, 1000 + i));
    const results = await Promise.all(sent.map((d) => exchange(7, d, 60_000)));
    results.forEach((r, i) => {
      expect(r.error, `connection ${i}`).toBeNull();
      expect(r.back.length, `connection ${i}`).toBe(sent[i].length);
      expect(sha256(r.back), `connection ${i}`).toBe(sha256(sent[i]));
    });
  }, 90_000);

  test("a host that stops reading for a while: the echo backs up to the host's writes, and nothing is lost", async () => {
    const data = seeded(48 * 1024 * 1024, 12); // more than the kernel buffers of both sockets (about 10 MiB each way)
    const s = connect(hostPort.get(7)!, "127.0.0.1");
    s.pause();
    const flushed = new Promise<void>((resolve) => s.end(data, () => resolve()));
    const sentEarly = await Promise.race([
      flushed.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 1000)),
    ]);
    expect(sentEarly).toBe(false); // with nobody reading the echo, the 48 MiB could not all go out
    const chunks: Buffer[] = [];
    const closed = new Promise<void>((resolve) => s.on("close", () => resolve()));
    s.on("data", (d: Buffer) => chunks.push(d));
    s.resume();
    await closed;
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(data));
  }, 60_000);

  test("a host half-close: the guest still sends after the host's FIN, then closes", async () => {
    const first = seeded(100_000, 7);
    const second = seeded(50_000, 8);
    const s = connect(hostPort.get(7)!, "127.0.0.1");
    const chunks: Buffer[] = [];
    let got = 0;
    let onData = () => {};
    s.on("data", (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      onData();
    });
    const closed = new Promise<{ ended: boolean }>((resolve) => {
      let ended = false;
      s.on("end", () => (ended = true));
      s.on("close", () => resolve({ ended }));
    });
    s.write(first);
    await new Promise<void>((resolve) => (onData = () => got >= first.length && resolve()));
    expect(s.readyState).toBe("open"); // the guest waits for more: it has not closed
    s.end(second); // FIN from the host; the rest comes back after it
    const { ended } = await closed;
    expect(ended).toBe(true);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(Buffer.concat([first, second])));
  }, 30_000);

  test("a guest that closes first: its bytes, then the end", async () => {
    const r = await exchange(13, new Uint8Array(0));
    expect(r.error).toBeNull();
    expect(r.back.toString()).toBe("hello from tessera\n");
    expect(r.ended).toBe(true);
  });

  test("a guest half-close: the host still sends after the guest's FIN, then closes without a reset", async () => {
    const s = connect({ port: hostPort.get(13)!, host: "127.0.0.1", allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on("data", (d: Buffer) => chunks.push(d));
    let error: string | null = null;
    s.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    await new Promise<void>((resolve) => s.once("end", () => resolve()));
    expect(Buffer.concat(chunks).toString()).toBe("hello from tessera\n");
    const closed = new Promise<void>((resolve) => s.once("close", () => resolve()));
    s.end(seeded(1024 * 1024, 13)); // the guest reads all of it before the connection ends
    await closed;
    expect(error).toBeNull();
  });

  test("a guest port nobody listens on: the host connection is reset", async () => {
    // Reset, not left open: a connection nobody answers would end in
    // exchange's own timeout (30 s), with no ECONNRESET.
    const r = await exchange(9, Buffer.from("anyone there?"));
    expect(r.back.length).toBe(0);
    expect(r.error).toBe("ECONNRESET");
  });

  test("a host reset mid-transfer resets the guest's side; the service goes on", async () => {
    const s = connect(hostPort.get(7)!, "127.0.0.1");
    await new Promise<void>((resolve) => s.once("connect", () => resolve()));
    s.write(seeded(200_000, 9));
    await new Promise<void>((resolve) => s.once("data", () => resolve()));
    s.resetAndDestroy();
    const data = seeded(10_000, 10);
    const r = await exchange(7, data);
    expect(sha256(r.back)).toBe(sha256(data));
  });

  test("a connection that comes before the guest has its address waits for DHCP", async () => {
    const slow = new BackgroundTessera(["run", image, "--publish", "0:7", "--", "delay=1500"]);
    try {
      expect(await slow.waitFor(/publishing/), slow.output).toBe(true);
      const port = Number(/publishing 127\.0\.0\.1:(\d+)/.exec(slow.output)![1]);
      const t0 = Date.now();
      const data = seeded(100_000, 11);
      const r = await exchange(7, data, 20_000, port);
      expect(r.error, slow.output).toBeNull();
      expect(sha256(r.back)).toBe(sha256(data));
      // A lower bound, which load cannot break: it did wait for the guest's
      // address (delay=1500 holds DHCP back), and was not refused meanwhile.
      expect(Date.now() - t0).toBeGreaterThan(1000);
      expect(slow.output).toMatch(/tcp-echo: listening/);
    } finally {
      await slow.stop();
    }
  });

  test("the guest answers ARP for its address from the gateway 10.0.2.2 (--net service=user, no --publish)", () => {
    const probe = join(dir, "arp.wasm");
    writeFileSync(probe, guest(arpProbeGuest("10.0.2.15", "10.0.2.2"), { manifest: NET }));
    const r = spawnSync(process.execPath, [TESSERA, "run", probe, "--net", "service=user"], { timeout: 20_000 });
    expect(r.status, r.stderr.toString()).toBe(0);
    const hex = [...r.stdout.subarray(6, 12)].map((x) => x.toString(16).padStart(2, "0")).join(":");
    expect(hex).toBe("52:55:0a:00:02:02"); // the gateway's MAC
  });

  test("examples/ping through --net service=user: every ping to the gateway is answered, run after run", () => {
    const built = tessera(["build", "examples/ping", "-o", join(dir, "ping")]);
    expect(built.status, built.stderr).toBe(0);
    // It used to send its first request before DHCP had given it an address, and lose it.
    for (let run = 0; run < 3; run++) {
      const r = tessera([
        "run",
        join(dir, "ping", "ping.wasm"),
        "--net",
        "service=user",
        "--",
        "host=10.0.2.2",
        "count=3",
        "interval=100",
      ]);
      expect(r.stdout, r.stderr).toContain("3 sent, 3 received");
      expect(r.status).toBe(0);
    }
  });
});

describe("--publish: errors a person can act on", () => {
  const run = (args: string[]) => tessera(["run", ...args]);

  test.each([
    ["abc", "--publish abc: write it as [ADDR:]HOSTPORT:GUESTPORT, e.g. --publish 8080:80"],
    ["70000:80", '--publish 70000:80: the host port "70000" is not a port from 0 to 65535 (0: any free port)'],
    ["8080:0", '--publish 8080:0: the guest port "0" is not a port from 1 to 65535'],
    ["8080:80/udp", "--publish 8080:80/udp: only TCP ports can be published"],
    [
      "localhost:8080:80",
      '--publish localhost:8080:80: "localhost" is not an IP address to listen on (e.g. 127.0.0.1, 0.0.0.0 or [::1])',
    ],
  ])("--publish %s", (spec, message) => {
    const r = run([image, "--publish", spec]);
    expect(r.stderr).toBe(`tessera: ${message}\n`);
    expect(r.status).toBe(2);
  });

  test("a host port in use", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      const r = run([image, "--publish", `${port}:80`]);
      expect(r.stderr).toBe(`tessera: --publish ${port}:80: 127.0.0.1:${port} is in use (pick another host port)\n`);
      expect(r.status).toBe(1);
    } finally {
      server.close();
    }
  });

  test("an image without a net device, and one with two that --net does not tell apart", () => {
    const none = join(dir, "none.wasm");
    writeFileSync(none, guest(RETURNS, { manifest: NO_DEVICES }));
    let r = run([none, "--publish", "8080:80"]);
    expect(r.stderr).toBe("tessera: --publish 8080:80: the image has no net device, so it has no ports to publish\n");
    expect(r.status).toBe(1);
    const two = join(dir, "two.wasm");
    writeFileSync(two, guest(RETURNS, { manifest: TWO_NETS }));
    r = run([two, "--publish", "8080:80"]);
    expect(r.stderr).toBe(
      "tessera: --publish 8080:80: the image has net devices lan, wan; say which one publishes with --net NAME=user\n",
    );
    r = run([two, "--publish", "0:80", "--net", "wan=user", "--net", "lan=user"]);
    expect(r.stderr).toBe(
      "tessera: --publish 0:80: more than one net device has the user backend (wan, lan); ports can be published on one\n",
    );
  });

  test("--publish twice on one host port", () => {
    const r = run([image, "--publish", "8080:80", "--publish", "8080:81"]);
    expect(r.stderr).toBe("tessera: --publish 8080:81: 127.0.0.1:8080 is published twice (give each host port once)\n");
  });
});

describe("--publish: the tender ends cleanly", () => {
  test("a guest that exits: the status is its own, the port is closed, stdout is the guest's alone", () => {
    const quick = join(dir, "quick.wasm");
    writeFileSync(quick, guest(RETURNS, { manifest: NET }));
    const r = spawnSync(process.execPath, [TESSERA, "run", quick, "--publish", "0:80"], {
      timeout: 10_000,
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^tessera: publishing http:\/\/127\.0\.0\.1:\d+ -> guest port 80\n$/);
  });

  test.each(["SIGTERM", "SIGINT"] as const)("%s stops it and frees the port", async (signal) => {
    const b = new BackgroundTessera(["run", image, "--publish", "0:7"]);
    try {
      expect(await b.waitFor(/tcp-echo: listening/), b.output).toBe(true);
      const port = Number(/publishing 127\.0\.0\.1:(\d+)/.exec(b.output)![1]);
      const exited = new Promise((r) => b.child.once("exit", r));
      b.child.kill(signal);
      await exited;
      const refused = await new Promise<string>((resolve) => {
        const s = connect(port, "127.0.0.1");
        s.on("connect", () => (s.destroy(), resolve("connected")));
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
      });
      expect(refused).toBe("ECONNREFUSED");
    } finally {
      await b.stop();
    }
  });
});
