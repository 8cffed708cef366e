// The shared suite, part 3: examples/http through a TAP device in a namespace
// this test makes, against curl and Node's http client, on every target: in 8
// MiB of guest memory, every file of the site byte for byte, gzip to clients
// that take it, HEAD, 304 and 404, /healthz; then a thousand keep-alive
// connections (a hundred on an emulated hvt, and on virtio-x86_64 under TCG)
// held at once, three times, with the guest's heap back at its baseline after
// each and the same after each; and as many opened in waves until the TCP
// budget is full of idle ones, none of which is shed for the last waves.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkHold, checkOpen, CYCLES, holdArgs, holdScript, siteFiles } from "../helpers/http-site.js";
import { BackgroundTessera, netnsMissing, TapNamespace } from "../helpers/netns.js";
import { need, type Missing } from "../helpers/require.js";
import { buildFor, emulatedCpu, killTender, slowCalls, suiteTargets, type Target } from "../helpers/targets.js";

const netns = netnsMissing(["ping", "curl"]);

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-suite-http-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const URL = "http://10.97.0.2";

describe.each(suiteTargets({ virtio: true }))("on %s", (target: Target, missing: Missing) => {
  const why = need(`the http suite on ${target}`, netns ?? missing);
  const slow = slowCalls(target);
  let ns: TapNamespace;
  let image = "";
  let guest: BackgroundTessera | null = null;

  /** Starts the image with `mem` MiB and waits until it answers a ping. */
  function boot(mem: number, ...args: string[]): void {
    guest = new BackgroundTessera(
      ["run", image, "--mem", String(mem), "--net", "service=tap:tsh0", "--", "ip=10.97.0.2/24", ...args],
      { netns: ns.name },
    );
    expect(ns.waitForPing("10.97.0.2", 30), `the unikernel never answered a ping; it said: ${guest.output}`).toBe(true);
  }

  const halt = () => killTender(guest?.child ?? null, image);

  beforeAll(() => {
    if (why) return;
    image = buildFor("examples/http", target, join(dir, target));
    ns = new TapNamespace(`tessera-http-${target}-${process.pid}`, "tsh0", "10.97.0.1/24");
    boot(8);
  }, 180_000);

  afterAll(async () => {
    await halt();
    ns?.destroy();
  });

  function curl(...args: string[]) {
    const r = ns.run("curl", ["-sS", "--max-time", "20", ...args]);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
  }

  test.skipIf(why !== null)("in 8 MiB: curl gets every file of the site byte for byte, one connection for all", () => {
    const files = [...siteFiles()];
    const r = curl("--fail", "-v", ...files.map(([path]) => `${URL}${path}`));
    expect(r.status, r.stderr).toBe(0);
    expect(Buffer.compare(r.stdout, Buffer.concat(files.map(([, bytes]) => bytes)))).toBe(0);
    expect(r.stderr.match(/Re-using existing connection/g)?.length).toBe(files.length - 1);
  });

  test.skipIf(why !== null)("gzip to a client that takes it, plain to one that does not", () => {
    for (const [path, bytes] of siteFiles()) {
      const gz = curl("--fail", "-H", "Accept-Encoding: gzip", `${URL}${path}`);
      expect(Buffer.compare(gunzipSync(gz.stdout), bytes), path).toBe(0);
      expect(gz.stdout.length, path).toBeLessThan(bytes.length);
      const plain = curl("--fail", "-H", "Accept-Encoding: identity", `${URL}${path}`);
      expect(Buffer.compare(plain.stdout, bytes), path).toBe(0);
    }
  });

  test.skipIf(why !== null)("HEAD, a 304 for a matching ETag, and a 404", () => {
    const head = curl("-I", `${URL}/style.css`).stdout.toString();
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toMatch(new RegExp(`^content-length: ${siteFiles().get("/style.css")!.length}\r$`, "im"));
    const etag = /etag: (".*")\r\n/i.exec(head)![1];
    expect(
      curl(
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        `If-None-Match: ${etag}`,
        `${URL}/style.css`,
      ).stdout.toString(),
    ).toBe("304");
    expect(curl("-o", "/dev/null", "-w", "%{http_code}", `${URL}/no/such/file`).stdout.toString()).toBe("404");
  });

  test.skipIf(why !== null)("/healthz answers with live numbers", () => {
    const r = curl("--fail", `${URL}/healthz`);
    expect(r.stdout.toString()).toMatch(
      /^ok uptime=\d+s open=1 tcp=\d+ timewait=\d+ served=\d+ requests=\d+ heap=\d+ pages=\d+ gc=\d+\n$/,
    );
  });

  test.skipIf(why !== null)("20 connections at once each get their answer", () => {
    const urls = Array.from({ length: 20 }, () => ["-o", "/dev/null", `${URL}/index.html`]).flat();
    const r = curl("--fail", "--parallel", "--parallel-max", "20", "-w", "%{http_code}\n", ...urls);
    expect(r.stdout.toString().trim().split("\n")).toEqual(Array(20).fill("200"));
  });

  // On hvt, where every call is a VM exit that KVM emulates here (~50 us),
  // 100 connections: the same check, a tenth of the load. The same under
  // QEMU's TCG, where the emulated guest takes 1,000 connections at once too
  // slowly for their clients (some end with ECONNRESET).
  const hold = slow || emulatedCpu(target) ? 100 : 1000;
  test.skipIf(why !== null)(
    `${hold} keep-alive connections at once, ${CYCLES} times: the heap returns to its baseline after each`,
    async () => {
      await halt();
      // A loaded machine can drop SYNs at the TAP device; a client's retry 15 or 31 s later then
      // finds the first connections closed for 30 s of idleness (CI saw 879 of 1,000 still open).
      // The test is about memory, not idle timeouts: they stay open for 10 minutes here.
      // Nor about the TCP budget: a thousand connections mid-request hold 38 KiB each, 39 MB,
      // past the 32 MiB budget of --mem 64; the idle ones then give back their empty rings (the
      // next test), and the heap during a cycle would depend on when. With --mem 96 (48 MiB) the
      // budget is never full, and the cycles can be compared.
      boot(hold === 1000 ? 96 : 64, "idle=600");
      checkHold(
        ns.run(process.execPath, [holdScript(dir), ...holdArgs("10.97.0.2", 80, hold)], undefined, 230_000),
        hold,
      );
    },
    240_000,
  );

  // Waves: each answered before the next opens, so that its SYNs find the TCP budget as the waves
  // before left it, whatever the machine's load. A connection counts against the budget with its
  // rings only once they are in use (a SYN adds 1.3 KB), and one answered holds 38 KiB (1.3 KB of
  // TCP, 16 KiB of HTTP state, 20 KiB of rings): after 18 waves of 50, 901 connections (the monitor's
  // too) hold 34.4 MB, past the 32 MiB budget of --mem 64; after 19 of 5, 96 hold 3.66 MB, within
  // 38 KiB of the 3.5 MiB of --mem 7. So the last waves find the budget full of idle connections:
  // before those gave back their empty rings, the HTTP server shed idle ones to let them in.
  const waves = 20;
  test.skipIf(why !== null)(
    `${hold} keep-alive connections in ${waves} waves fill the TCP budget: idle ones give back their rings, none is shed`,
    async () => {
      await halt();
      boot(hold === 1000 ? 64 : 7, "idle=600");
      checkOpen(
        ns.run(process.execPath, [holdScript(dir), ...holdArgs("10.97.0.2", 80, hold, 1, waves)], undefined, 230_000),
        hold,
      );
    },
    240_000,
  );
});
