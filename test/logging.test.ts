// Logging (@tessera/console's log) in examples/http on the Node tender: every line the guest writes has the
// time since boot and a level; log=debug adds a line per request with its path and status; an unknown level
// is a one-line error.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "./helpers/cli.js";
import { BackgroundTessera } from "./helpers/netns.js";

let dir: string;
let image: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-logging-"));
  const r = tessera(["build", "examples/http", "-o", dir]);
  expect(r.status, r.stderr).toBe(0);
  image = join(dir, "http.wasm");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GET `path`: the status. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
  });
}

/** What the tender prints when it publishes, then the guest's line when DHCP has given it its address. */
const DHCP = /publishing http:\/\/127\.0\.0\.1:(\d+)[\s\S]*dhcp: 10\.0\.2\.15/;

/** A logged line: seconds since boot to the microsecond, the level padded to 5, the rest. */
const LINE = /^(\d+)\.(\d{6}) (error|warn |info |debug) (.+)$/;

/**
 * Runs the image with `args` after `--`, asks for `/` and `/missing` once `ready` is printed (then waits for
 * `last`, if given), and returns the guest's lines.
 */
async function linesOf(args: string[], ready: RegExp, last?: RegExp): Promise<string[]> {
  const server = new BackgroundTessera(["run", image, "--publish", "0:80", "--", ...args]);
  try {
    expect(await server.waitFor(ready, 20_000), server.output).toBe(true);
    const port = Number(/publishing http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output)![1]);
    expect(await get(port, "/")).toBe(200);
    expect(await get(port, "/missing?q=1")).toBe(404);
    if (last) expect(await server.waitFor(last, 5000), server.output).toBe(true);
  } finally {
    await server.stop();
  }
  // The tender's own lines start `tessera:`; the rest is the guest's console.
  return server.output.split("\n").filter((l) => l !== "" && !l.startsWith("tessera:"));
}

describe("examples/http's log", () => {
  test("at the default level (info): the startup and DHCP lines, each with a time and a level; no request lines", async () => {
    const lines = await linesOf([], DHCP);
    for (const l of lines) expect(l, `a line without a time and a level: ${l}`).toMatch(LINE);
    expect(lines[0]).toMatch(/^\d+\.\d{6} info  http: serving \d+ paths port=80$/);
    expect(lines.some((l) => / info  dhcp: 10\.0\.2\.15\/24 gw 10\.0\.2\.2 /.test(l))).toBe(true);
    expect(lines.filter((l) => l.includes("debug"))).toEqual([]);
    const times = lines.map((l) => Number(LINE.exec(l)![1] + "." + LINE.exec(l)![2]));
    expect([...times].sort((a, b) => a - b)).toEqual(times); // since boot, in order
    expect(times[0]).toBeLessThan(5);
  }, 40_000);

  test("log=debug adds a line per request, with its path and status as key=value fields", async () => {
    const lines = await linesOf(["log=debug"], DHCP, /path=\/missing status=404\n/);
    for (const l of lines) expect(l, `a line without a time and a level: ${l}`).toMatch(LINE);
    const requests = lines.filter((l) => l.includes(" debug http: request "));
    expect(requests.map((l) => LINE.exec(l)![4])).toEqual([
      "http: request path=/ status=200",
      "http: request path=/missing status=404",
    ]);
  }, 40_000);

  test("log=warn drops the info lines", async () => {
    // No line says the lease came: ask once the guest's address answers a first request through the gateway.
    const lines = await linesOf(["log=warn"], /publishing http:\/\/127\.0\.0\.1:(\d+)/);
    expect(lines).toEqual([]);
  }, 40_000);

  test("an unknown level stops the image with a line saying what to give", () => {
    const r = tessera(["run", image, "--publish", "0:80", "--", "log=verbose"]);
    expect(r.status).toBe(255);
    expect(r.stderr).toContain("panic: log=verbose: give error, warn, info or debug");
  }, 40_000);
});
