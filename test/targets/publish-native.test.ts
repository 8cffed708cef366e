// User-mode networking on tessera-spt, no root and no TAP: `tessera run
// http.spt --publish 0:80` answers every path of examples/http byte for byte as
// the Node tender's --publish does (both started here, same run), under ab's
// 2,000 requests 50 at a time with and without keep-alive, with host clients
// that give up early; examples/echo's TCP echo moves 16 MiB both ways through
// it with a reader that stalls; a port the guest does not listen on is reset;
// and the process picture: the gateway a process of its own behind its own
// seccomp filter (Seccomp: 2), the guest's filter unchanged, a gateway that
// dies stops the guest, SIGTERM ends all three. Errors: a bad --publish, a host
// port in use, in one line each.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { siteFiles } from "../helpers/http-site.js";
import { BackgroundTessera } from "../helpers/netns.js";
import { command, firstMissing, need } from "../helpers/require.js";
import { buildFor, targetMissing, tenderBinary } from "../helpers/targets.js";
import { seeded, sha256 } from "../helpers/bytes.js";

const why = need(
  "user-mode networking on tessera-spt",
  firstMissing(
    () => targetMissing("spt"),
    () => command("ab"),
  ),
);

let dir = "";
let httpSpt = "";
let httpWasm = "";
let echoSpt = "";
let node: BackgroundTessera | null = null;
let spt: BackgroundTessera | null = null;
/** Host ports: the Node tender's guest port 80, spt's guest ports 80 and 81 (nothing listens on 81). */
let nodePort = 0;
let sptPort = 0;
let sptClosedPort = 0;

const PUBLISHING = /publishing (?:http:\/\/)?127\.0\.0\.1:(\d+) -> guest port (\d+)/g;

/** The host port each guest port is published on, from the `publishing` lines. */
function published(output: string): Map<number, number> {
  return new Map([...output.matchAll(PUBLISHING)].map((m) => [Number(m[2]), Number(m[1])]));
}

/** Sends `request` raw on a new connection and collects every byte until the server closes it. */
function raw(port: number, request: string | Buffer, ms = 20_000): Promise<{ bytes: Buffer; error: string | null }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let error: string | null = null;
    const s = connect(port, "127.0.0.1");
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close within ${ms} ms (${Buffer.concat(chunks).length} bytes so far)`));
    }, ms);
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on("close", () => {
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(chunks), error });
    });
    s.write(request);
  });
}

/** The request for `path`: HTTP/1.1, the connection closed after the answer. */
const get = (path: string, method = "GET", extra = "") =>
  `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`;

/** ab's answer counts and rate for `n` requests `c` at a time. */
function ab(port: number, n: number, c: number, keepAlive: boolean) {
  const r = spawnSync(
    "ab",
    ["-q", ...(keepAlive ? ["-k"] : []), "-n", `${n}`, "-c", `${c}`, `http://127.0.0.1:${port}/`],
    {
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  const num = (re: RegExp) => Number(re.exec(r.stdout)?.[1] ?? NaN);
  return {
    complete: num(/Complete requests:\s+(\d+)/),
    failed: num(/Failed requests:\s+(\d+)/),
    non2xx: num(/Non-2xx responses:\s+(\d+)/) || 0,
    rate: num(/Requests per second:\s+([\d.]+)/),
    output: r.stdout + r.stderr,
  };
}

/** The processes `pid` forked, from /proc. */
function children(pid: number): number[] {
  const path = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The guest process of an spt supervisor maps guest memory at 0x10000; the gateway does not. */
function isGuest(pid: number): boolean {
  return /^00010000-/m.test(readFileSync(`/proc/${pid}/maps`, "utf8"));
}

/** The inode of the socket listening on 127.0.0.1:`port`, from /proc/net/tcp. */
function listenInode(port: number): string {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const line = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === `0100007F:${hex}` && f[3] === "0A");
  return line?.[9] ?? "none";
}

/** The inodes of the sockets process `pid` has open. */
function socketInodes(pid: number): Set<string> {
  const fds = spawnSync("ls", ["-l", `/proc/${pid}/fd`], { encoding: "utf8" }).stdout;
  return new Set([...fds.matchAll(/socket:\[(\d+)\]/g)].map((m) => m[1]));
}

const statusField = (pid: number, field: string) =>
  new RegExp(`^${field}:\\s+(\\S+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];

/** tessera-spt started directly (its pid is the supervisor's), with its output collected. */
class Spt {
  readonly child: ChildProcess;
  text = "";
  constructor(args: string[]) {
    this.child = spawn(tenderBinary("spt"), args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d) => (this.text += d));
    this.child.stderr!.on("data", (d) => (this.text += d));
  }
  async waitFor(pattern: RegExp, ms = 20_000): Promise<boolean> {
    for (const end = Date.now() + ms; !pattern.test(this.text); await new Promise((r) => setTimeout(r, 20)))
      if (Date.now() > end || this.child.exitCode !== null) return pattern.test(this.text);
    return true;
  }
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode });
    return new Promise((r) => this.child.once("exit", (code, signal) => r({ code, signal })));
  }
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited();
  }
}

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-publish-native-"));
  httpSpt = buildFor("examples/http", "spt", dir);
  httpWasm = buildFor("examples/http", "node", dir);
  echoSpt = buildFor("examples/echo", "spt", dir);
  node = new BackgroundTessera(["run", httpWasm, "--publish", "0:80"]);
  spt = new BackgroundTessera(["run", httpSpt, "--publish", "0:80", "--publish", "127.0.0.1:0:81"]);
  const up = /dhcp: 10\.0\.2\.15/;
  expect(await node.waitFor(up, 30_000), node.output).toBe(true);
  expect(await spt.waitFor(up, 30_000), spt.output).toBe(true);
  nodePort = published(node.output).get(80)!;
  sptPort = published(spt.output).get(80)!;
  sptClosedPort = published(spt.output).get(81)!;
}, 240_000);

afterAll(async () => {
  await node?.stop();
  await spt?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(why !== null)("tessera run http.spt --publish: what the Node tender serves, byte for byte", () => {
  test("the publishing lines, as the Node tender words them", () => {
    expect(spt!.output).toMatch(/^tessera-spt: publishing http:\/\/127\.0\.0\.1:\d+ -> guest port 80$/m);
    expect(spt!.output).toMatch(/^tessera-spt: publishing 127\.0\.0\.1:\d+ -> guest port 81$/m);
  });

  test("every file, /, a 404, HEAD, gzip and a conditional GET: the same bytes from both tenders", async () => {
    const requests = [
      ...[...siteFiles().keys(), "/", "/nope", "/how.html?x=1"].map((p) => get(p)),
      ...[...siteFiles().keys()].map((p) => get(p, "GET", "Accept-Encoding: gzip\r\n")),
      get("/", "HEAD"),
      get("/style.css", "HEAD", "Accept-Encoding: gzip\r\n"),
      get("/", "POST", "Content-Length: 5\r\n").replace(/\r\n\r\n$/, "\r\n\r\nhello"),
    ];
    const etag = /etag: ("[^"]+")/i.exec((await raw(nodePort, get("/index.html"))).bytes.toString())![1];
    requests.push(get("/index.html", "GET", `If-None-Match: ${etag}\r\n`));
    for (const req of requests) {
      const [a, b] = await Promise.all([raw(nodePort, req), raw(sptPort, req)]);
      expect(a.bytes.length, req).toBeGreaterThan(0);
      expect(b.bytes.toString("latin1"), req).toBe(a.bytes.toString("latin1"));
    }
    const index = (await raw(sptPort, get("/"))).bytes.toString();
    expect(index).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(index.endsWith(siteFiles().get("/index.html")!.toString())).toBe(true);
    expect((await raw(sptPort, get("/nope"))).bytes.toString()).toMatch(/^HTTP\/1\.1 404 /);
  }, 60_000);

  test("ab: 2,000 requests 50 at a time, on new connections and kept alive: every one answered", () => {
    const rates: string[] = [];
    for (const keepAlive of [false, true]) {
      const s = ab(sptPort, 2000, 50, keepAlive);
      expect(s.complete, s.output).toBe(2000);
      expect(s.failed, s.output).toBe(0);
      expect(s.non2xx, s.output).toBe(0);
      const n = ab(nodePort, 2000, 50, keepAlive);
      expect(n.complete, n.output).toBe(2000);
      rates.push(`${keepAlive ? "keep-alive" : "new connections"}: spt ${s.rate} req/s, Node ${n.rate} req/s`);
    }
    console.log(`--publish, ab -n 2000 -c 50: ${rates.join("; ")}`);
  }, 240_000);

  test("host clients that give up early (a reset, a FIN before the answer) leave it serving", async () => {
    const quitters: Promise<void>[] = [];
    for (let i = 0; i < 100; i++)
      quitters.push(
        new Promise((resolve) => {
          const s = connect(sptPort, "127.0.0.1", () => {
            s.write(get("/how.html"));
            if (i % 2) s.resetAndDestroy();
            else s.end();
          });
          s.on("error", () => {});
          s.on("close", () => resolve());
          s.resume();
        }),
      );
    await Promise.all(quitters);
    const r = await raw(sptPort, get("/how.html"));
    expect(r.bytes.toString()).toMatch(/^HTTP\/1\.1 200 OK/);
    // The guest sees every one of them closed: only this request's connection is open.
    for (let i = 0; i < 100; i++) {
      const health = (await raw(sptPort, get("/healthz"))).bytes.toString();
      if (/ open=1 /.test(health)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`connections still open: ${(await raw(sptPort, get("/healthz"))).bytes}`);
  }, 60_000);

  test("a guest port nobody listens on: the host connection is reset", async () => {
    const r = await raw(sptClosedPort, get("/"));
    expect(r.bytes.length).toBe(0);
    expect(r.error).toBe("ECONNRESET");
  });
});

describe.skipIf(why !== null)("examples/echo through tessera-spt --publish", () => {
  let echo: Spt;
  let port = 0;
  beforeAll(async () => {
    echo = new Spt(["--publish", "0:7", "--publish", "0:19", echoSpt]);
    expect(await echo.waitFor(/dhcp: 10\.0\.2\.15/), echo.text).toBe(true);
    port = published(echo.text).get(7)!;
  }, 30_000);
  afterAll(async () => echo?.stop());

  test("16 MiB echoed, read by a host that stalls twice: every byte back, in order", async () => {
    const data = seeded(16 << 20, 7);
    const back = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let got = 0;
      let stalls = 0;
      const s = connect(port, "127.0.0.1");
      s.on("data", (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        // Twice, stop reading for 700 ms: the gateway's window closes, the guest waits, nothing is lost.
        if ((stalls === 0 && got > 4 << 20) || (stalls === 1 && got > 10 << 20)) {
          stalls++;
          s.pause();
          setTimeout(() => s.resume(), 700);
        }
      });
      s.on("error", reject);
      s.on("close", () => resolve(Buffer.concat(chunks)));
      s.end(data);
    });
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
  }, 120_000);

  test("one direction at a time: the source port sends what the first line asks for, then FIN", async () => {
    const r = await raw(published(echo.text).get(19)!, "3000000\n", 60_000);
    expect(r.error).toBeNull();
    expect(r.bytes.length).toBe(3_000_000);
  }, 60_000);
});

describe.skipIf(why !== null)("the processes: supervisor, guest and gateway", () => {
  test("the gateway is a process of its own behind a seccomp filter (Seccomp: 2), as the guest is", async () => {
    const t = new Spt(["--publish", "0:80", httpSpt]);
    try {
      expect(await t.waitFor(/dhcp: 10\.0\.2\.15/), t.text).toBe(true);
      const kids = children(t.child.pid!);
      expect(kids.length).toBe(2);
      const guest = kids.find(isGuest)!;
      const gateway = kids.find((p) => !isGuest(p))!;
      expect(guest).toBeDefined();
      expect(gateway).toBeDefined();
      expect(statusField(t.child.pid!, "Seccomp")).toBe("0"); // the supervisor: it unlinks disk locks
      expect(statusField(guest, "Seccomp")).toBe("2");
      expect(statusField(gateway, "Seccomp")).toBe("2");
      expect(statusField(gateway, "NoNewPrivs")).toBe("1");
      // The listening socket is the gateway's alone: neither the guest nor the supervisor holds it.
      const port = published(t.text).get(80)!;
      const holders = [t.child.pid!, guest, gateway].filter((p) => socketInodes(p).has(listenInode(port)));
      expect(holders).toEqual([gateway]);
      // SIGTERM: the guest ends by it, the gateway with it, and the tender by the same signal.
      t.child.kill("SIGTERM");
      expect(await t.exited()).toEqual({ code: null, signal: "SIGTERM" });
      for (const p of [guest, gateway]) expect(existsSync(`/proc/${p}`)).toBe(false);
    } finally {
      await t.stop();
    }
  }, 30_000);

  test("a host connection that arrives before the guest has its address waits for its DHCP lease", async () => {
    const t = new Spt(["--publish", "0:80", httpSpt]);
    try {
      // Connect the moment the port is listened on (the line comes before the guest starts).
      const answer = await new Promise<{ early: boolean; bytes: Buffer }>((resolve, reject) => {
        const look = () => {
          const port = published(t.text).get(80);
          if (!port) return;
          t.child.stderr!.off("data", look);
          const early = !/dhcp:/.test(t.text);
          raw(port, get("/healthz")).then(({ bytes }) => resolve({ early, bytes }), reject);
        };
        t.child.stderr!.on("data", look);
      });
      expect(answer.early, t.text).toBe(true);
      expect(answer.bytes.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok uptime=/);
      expect(t.text).toMatch(/dhcp: 10\.0\.2\.15/);
    } finally {
      await t.stop();
    }
  }, 30_000);

  test("a gateway that dies stops the guest; the tender says so and exits 1", async () => {
    const t = new Spt(["--publish", "0:80", httpSpt]);
    try {
      expect(await t.waitFor(/dhcp: 10\.0\.2\.15/), t.text).toBe(true);
      const gateway = children(t.child.pid!).find((p) => !isGuest(p))!;
      process.kill(gateway, "SIGKILL");
      expect(await t.exited()).toEqual({ code: 1, signal: null });
      expect(t.text).toContain("tessera-spt: the user-mode network's gateway ended by signal 9; the guest was stopped");
    } finally {
      await t.stop();
    }
  }, 30_000);
});

describe.skipIf(why !== null)("errors a person can act on, in one line", () => {
  const direct = (args: string[]) => spawnSync(tenderBinary("spt"), args, { encoding: "utf8", timeout: 20_000 });

  test.each([
    ["abc", "--publish abc: write it as [ADDR:]HOSTPORT:GUESTPORT, e.g. --publish 8080:80"],
    ["70000:80", '--publish 70000:80: the host port "70000" is not a port from 0 to 65535 (0: any free port)'],
    ["8080:0", '--publish 8080:0: the guest port "0" is not a port from 1 to 65535'],
    ["8080:80/udp", "--publish 8080:80/udp: only TCP ports can be published"],
    [
      "localhost:8080:80",
      '--publish localhost:8080:80: "localhost" is not an IP address to listen on (e.g. 127.0.0.1, 0.0.0.0 or [::1])',
    ],
  ])("--publish %s: the Node tender's words, status 2", (spec, message) => {
    const r = direct(["--publish", spec, httpSpt]);
    expect(r.stderr).toBe(`tessera-spt: ${message}\n`);
    expect(r.status).toBe(2);
    const viaRun = tessera(["run", httpSpt, "--publish", spec]);
    expect(viaRun.stderr).toBe(`tessera: ${message}\n`);
    expect(viaRun.status).toBe(2);
  });

  test("a host port in use: before the guest starts, status 1", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      const r = direct(["--publish", `${port}:80`, httpSpt]);
      expect(r.stderr).toBe(
        `tessera-spt: --publish ${port}:80: 127.0.0.1:${port} is in use (pick another host port)\n`,
      );
      expect(r.status).toBe(1);
      expect(r.stdout).toBe(""); // the guest never ran
    } finally {
      server.close();
    }
  });

  test("an image without a net device; two --publish on one host port", () => {
    const hello = buildFor("examples/hello", "spt", dir);
    let r = direct(["--publish", "8080:80", hello]);
    expect(r.stderr).toBe(
      "tessera-spt: --publish 8080:80: the image has no net device, so it has no ports to publish\n",
    );
    expect(r.status).toBe(1);
    r = direct(["--publish", "8080:80", "--publish", "8080:81", httpSpt]);
    expect(r.stderr).toBe(
      "tessera-spt: --publish 8080:81: 127.0.0.1:8080 is published twice (give each host port once)\n",
    );
  }, 60_000);
});
