// The HTTP client by name, on the stack's loop, through a TAP device in a namespace this test makes, with a DNS
// server and an HTTP server there (test/helpers/name-server.cjs): a name given by dns= resolves and the request
// carries `Host: name:port`; an unknown name, a silent DNS server and a refused connection each end the fetch
// with the client's one-line failure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ROOT, tessera } from "../helpers/cli.js";
import { netnsMissing, TapNamespace } from "../helpers/netns.js";
import { need } from "../helpers/require.js";

const why = need("the HTTP client's tests by name", netnsMissing(["ping"]));

const HOST = "10.94.0.1";
const GUEST = ["ip=10.94.0.2/24"];
let ns: TapNamespace;
let dir = "";
let wasm = "";
let said = "";

beforeAll(async () => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-http-names-"));
  const built = tessera(["build", "test/fixtures/http-server", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  wasm = join(dir, "http-server.wasm");
  ns = new TapNamespace(`tessera-hdns-${process.pid}`, "tshd", `${HOST}/24`);
  const servers = ns.start(process.execPath, [join(ROOT, "test/helpers/name-server.cjs"), HOST, "svc"]);
  servers.stdout!.on("data", (d) => (said += d));
  servers.stderr!.on("data", (d) => (said += d));
  for (let i = 0; i < 100 && !said.includes("listening"); i++) await new Promise((r) => setTimeout(r, 100));
  expect(said, "the DNS and HTTP servers did not start").toContain("listening");
}, 180_000);

afterAll(() => {
  if (why) return;
  ns?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits (at most 5 s) until the servers have said `text`: their output comes in once this process is not blocked. */
async function heard(text: string): Promise<boolean> {
  for (let i = 0; i < 50 && !said.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
  return said.includes(text);
}

/** Runs the fixture as a client of fetch=TARGET with `args`; its status and output. */
function fetch(target: string, ...args: string[]) {
  const r = ns.runTessera([wasm, "--net", "service=tap:tshd", "--", ...GUEST, ...args, `fetch=${target}`], 60_000);
  return { status: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

test.skipIf(why !== null)("a name given by dns= resolves; the request says Host: svc:8080", async () => {
  said = "";
  const r = fetch("svc", `dns=${HOST}`);
  expect(r.out, r.err).toContain("fetched 200 14 bytes");
  expect(r.out).toContain("ping\nfetched 200 4 bytes sum 430 connections 1\n");
  expect(r.status, r.out + r.err).toBe(0);
  expect(await heard("host svc:8080\nhost svc:8080\n"), said).toBe(true); // the GET and the POST
  expect(said).toContain("query svc\n");
  expect(said).not.toContain(`host ${HOST}`);
});

test.skipIf(why !== null)("an unknown name fails with NXDOMAIN, named", async () => {
  const r = fetch("nosuch", `dns=${HOST}`);
  expect(r.out, r.err).toContain("nosuch:8080: DNS lookup failed: not found (NXDOMAIN)\n");
  expect(r.status).toBe(1);
  expect(await heard("query nosuch\n"), said).toBe(true);
});

test.skipIf(why !== null)("a DNS server that never answers: the lookup times out", () => {
  const r = fetch("svc", "dns=10.94.0.9"); // on-link, nobody there: ARP goes unanswered
  expect(r.out, r.err).toContain("svc:8080: DNS lookup failed: timed out\n");
  expect(r.status).toBe(1);
});

test.skipIf(why !== null)("a dotted address needs no DNS; a closed port is refused", async () => {
  said = "";
  const ok = fetch(HOST);
  expect(ok.status, ok.out + ok.err).toBe(0);
  expect(await heard(`host ${HOST}:8080\n`), said).toBe(true);
  const r = fetch(`${HOST}:1`);
  expect(r.out, r.err).toContain(`${HOST}:1: connection refused\n`);
  expect(r.status).toBe(1);
  expect(said).not.toContain("query");
});
