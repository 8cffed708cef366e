// examples/http end to end on the Node tender: its size; the command `npm
// start` runs (tessera run with --publish, no root, no TAP) serving every file
// of site/ byte for byte to Node's http client, /healthz, 304s and 404s, and a
// thousand keep-alive connections through the gateway. The same image through
// TAP on every target is in test/targets/http.test.ts.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { spawn } from "node:child_process";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseImage } from "@tessera/image";
import { ROOT, tessera } from "./helpers/cli.js";
import { BUDGET, checkHold, CYCLES, holdArgs, holdScript, siteFiles, TYPES } from "./helpers/http-site.js";
import { BackgroundTessera } from "./helpers/netns.js";

let dir: string;
let image: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-http-"));
  const r = tessera(["build", "examples/http", "-o", dir]);
  expect(r.status, r.stderr).toBe(0);
  image = join(dir, "http.wasm");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request; `agent` false opens a connection for it alone. */
function request(
  port: number,
  path: string,
  opts: { agent?: http.Agent | false; method?: string; headers?: Record<string, string>; host?: string } = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: opts.host ?? "127.0.0.1",
        port,
        path,
        method: opts.method ?? "GET",
        headers: opts.headers,
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${path}: no answer in 30 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** The numbers /healthz reports. */
async function health(port: number, host?: string): Promise<Record<string, number>> {
  const r = await request(port, "/healthz", { host });
  expect(r.status).toBe(200);
  const text = r.body.toString();
  expect(text).toMatch(
    /^ok uptime=\d+s open=\d+ tcp=\d+ timewait=\d+ served=\d+ requests=\d+ heap=\d+ pages=\d+ gc=\d+\n$/,
  );
  return Object.fromEntries([...text.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

describe("the image", () => {
  test(`is at most ${BUDGET / 1024} KiB, carries the site as assets, imports only tessera.*`, () => {
    const bytes = readFileSync(image);
    expect(bytes.length).toBeLessThanOrEqual(BUDGET);
    for (const i of parseImage(new Uint8Array(bytes)).imports) expect(i.module).toBe("tessera");
    const json = JSON.parse(tessera(["inspect", image, "--json"]).stdout);
    expect(json.assets.files).toBe(siteFiles().size);
    expect(tessera(["inspect", image]).stdout).toMatch(new RegExp(`assets \\(${siteFiles().size} files\\)`));
  });

  test("npm start builds it and publishes guest port 80 on host port 8080", () => {
    const start = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.start as string;
    expect(start).toContain("tessera build examples/http -o build");
    expect(start).toContain("tessera run build/http.wasm --publish 8080:80");
  });
});

describe("served with --publish, as npm start does (no root, no TAP)", () => {
  let server: BackgroundTessera;
  let port = 0;

  beforeAll(async () => {
    // npm start publishes 8080; any free port here, so that runs do not collide.
    server = new BackgroundTessera(["run", image, "--mem", "256", "--publish", "0:80"]);
    const up = await server.waitFor(/publishing http:\/\/127\.0\.0\.1:(\d+)[\s\S]*dhcp: 10\.0\.2\.15/, 20_000);
    expect(up, server.output).toBe(true);
    port = Number(/publishing http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output)![1]);
  }, 30_000);

  afterAll(async () => server?.stop());

  test("every file of site/ comes back byte for byte, with its content type and a strong ETag", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 }); // all on one connection, one after another
    for (const [path, bytes] of siteFiles()) {
      const r = await request(port, path, { agent });
      expect(r.status, path).toBe(200);
      expect(Buffer.compare(r.body, bytes), path).toBe(0);
      expect(r.headers["content-type"], path).toBe(TYPES[path.split(".").pop()!]);
      expect(r.headers["etag"], path).toMatch(/^"[\w-]{16}"$/);
      expect(Number(r.headers["content-length"]), path).toBe(bytes.length);
    }
    agent.destroy();
    const root = await request(port, "/");
    expect(Buffer.compare(root.body, siteFiles().get("/index.html")!)).toBe(0);
  });

  test("files stored compressed go gzip to a client that accepts it, plain to one that does not", async () => {
    let zipped = 0;
    for (const [path, bytes] of siteFiles()) {
      const gz = await request(port, path, { headers: { "accept-encoding": "br, gzip, deflate" } });
      const plain = await request(port, path, { headers: { "accept-encoding": "gzip;q=0" } });
      expect(Buffer.compare(plain.body, bytes), path).toBe(0);
      expect(plain.headers["content-encoding"], path).toBeUndefined();
      if (gz.headers["content-encoding"] === "gzip") {
        zipped++;
        expect(Buffer.compare(gunzipSync(gz.body), bytes), path).toBe(0);
        expect(gz.body.length, path).toBeLessThan(bytes.length);
        expect(gz.headers.vary, path).toBe("accept-encoding");
        expect(plain.headers.vary, path).toBe("accept-encoding");
        // Each representation has its own strong ETag, and a 304 for its own.
        expect(gz.headers.etag, path).toBe(plain.headers.etag!.slice(0, -1) + '-gz"');
        const again = await request(port, path, {
          headers: { "accept-encoding": "gzip", "if-none-match": gz.headers.etag! },
        });
        expect(again.status, path).toBe(304);
        const other = await request(port, path, { headers: { "if-none-match": gz.headers.etag! } });
        expect(other.status, path).toBe(200);
      } else expect(Buffer.compare(gz.body, bytes), path).toBe(0);
    }
    // The HTML, CSS and SVG of the site all compress by more than an eighth.
    expect(zipped).toBe(siteFiles().size);
  });

  test("HEAD, If-None-Match and a missing file", async () => {
    const css = siteFiles().get("/style.css")!;
    const head = await request(port, "/style.css", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers["content-length"])).toBe(css.length);
    expect(head.body.length).toBe(0);
    const again = await request(port, "/style.css", { headers: { "if-none-match": head.headers.etag! } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const other = await request(port, "/style.css", { headers: { "if-none-match": '"nope"' } });
    expect(other.status).toBe(200);
    const missing = await request(port, "/no/such/file");
    expect(missing.status).toBe(404);
  });

  test(`1,000 keep-alive connections at once, ${CYCLES} times, through the tender's gateway`, async () => {
    const child = spawn(process.execPath, [holdScript(dir), ...holdArgs("127.0.0.1", port, 1000)]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const status = await new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    checkHold({ status, stdout, stderr }, 1000);
  }, 180_000);

  test("/healthz answers ok with live numbers", async () => {
    const a = await health(port);
    const b = await health(port);
    expect(b.served).toBeGreaterThan(a.served);
    expect(b.requests).toBe(a.requests + 1);
    expect(b.heap).toBeGreaterThan(0);
  });
});
