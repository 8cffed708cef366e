// Files embedded at build time (tessera.assets / --assets): a fixture app
// built with a directory of files, run to print what Assets finds and to dump
// each file's bytes, compared with the files on disk; inspect's assets line;
// and a one-line build error for every bad assets directory.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
  closeSync,
  openSync,
  ftruncateSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TESSERA, tessera } from "./helpers/cli.js";

let dir: string;
let app: string;
let image: string;

const APP = `import { Args } from "@tessera/runtime/assembly";
import { Assets } from "@tessera/runtime/assembly/assets";
import { line } from "@tessera/console/assembly";

// dump=PATH writes the file's bytes and nothing else; each other argument
// gets one line: path, content type, ETag, length, last-modified (or none).
export function _start(): void {
  if (Args.has("dump")) {
    const d = Args.find("dump");
    const i = Assets.find(Args.valuePtr(d), Args.valueLength(d));
    if (i >= 0) line.bytes(Assets.ptr(i), Assets.length(i)).end();
    return;
  }
  line.str("count ").int(Assets.count).nl();
  for (let a = 0; a < Args.count; a++) {
    const i = Assets.find(Args.ptr(a), Args.length(a));
    if (i < 0) {
      line.str("none").nl();
      continue;
    }
    line.str(Assets.path(i)).str(" | ").str(Assets.contentType(i)).str(" | ").str(Assets.etag(i));
    line.str(" | ").int(Assets.length(i)).str(" | ").bytes(Assets.lastModifiedPtr(i), Assets.lastModifiedLength(i)).nl();
  }
}
`;

/** `n` bytes from a seeded xorshift32 generator. */
function noise(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** About `n` bytes of text from a small vocabulary: it compresses, with matches up to 32 KiB back. */
function words(n: number, seed: number): Uint8Array {
  const vocabulary = "the a unikernel image boots on tender wasm block store net stack http tcp frame".split(" ");
  const r = noise(n, seed);
  let out = "";
  for (let i = 0; out.length < n; i++)
    out += vocabulary[r[i % n] % vocabulary.length] + (r[(i * 7) % n] % 13 ? " " : ".\n");
  return new TextEncoder().encode(out.slice(0, n));
}

/** The fixture's files: path under site/ -> content. Large ones are stored compressed (gzip) and inflated on use. */
const FILES: Record<string, Uint8Array> = {
  "big.txt": words(300_000, 7),
  "noise.bin": noise(50_000, 11),
  "mixed.bin": Uint8Array.from([...noise(40_000, 13), ...words(60_000, 17)]),
  "index.html": new TextEncoder().encode("<!doctype html><title>t</title><h1>Hello</h1>\n"),
  "style.css": new TextEncoder().encode("body { color: #123; }\n"),
  "logo.svg": new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'),
  "docs/index.html": new TextEncoder().encode("<p>docs</p>"),
  "docs/a b.txt": new TextEncoder().encode("space in the name"),
  "docs/é.json": new TextEncoder().encode('{"x":1}'),
  "data.bin": Uint8Array.from({ length: 70_001 }, (_, i) => (i * 7919 + (i >> 8)) & 0xff),
  "empty.txt": new Uint8Array(0),
};

function etag(bytes: Uint8Array): string {
  return `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 16)}"`;
}

/** Runs the fixture image with `args` and returns its stdout as bytes. */
function runRaw(args: string[]): Buffer {
  const r = spawnSync(process.execPath, [TESSERA, "run", image, "--", ...args], { timeout: 60_000 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout;
}

function makeApp(name: string, pkg: object): string {
  const path = join(dir, name);
  mkdirSync(join(path, "assembly"), { recursive: true });
  writeFileSync(join(path, "package.json"), JSON.stringify({ name, ...pkg }));
  writeFileSync(join(path, "assembly", "index.ts"), APP);
  return path;
}

/** Asserts a one-line `tessera: ...` error containing `text`. */
function expectError(r: { status: number | null; stderr: string }, text: string): void {
  expect(r.stderr).toContain(text);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.status).toBe(1);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-assets-"));
  app = makeApp("assetapp", { tessera: { runtime: "stub", assets: "site" } });
  for (const [path, bytes] of Object.entries(FILES)) {
    mkdirSync(join(app, "site", path, ".."), { recursive: true });
    writeFileSync(join(app, "site", path), bytes);
  }
  writeFileSync(join(app, "site", ".secret"), "dotfiles stay out");
  const r = tessera(["build", app, "-o", join(dir, "out")]);
  expect(r.stderr).toContain(`${Object.keys(FILES).length} assets of`);
  expect(r.status, r.stderr).toBe(0);
  image = join(dir, "out", "assetapp.wasm");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("embedded files", () => {
  test("each file's bytes come back exactly", () => {
    const urls: Record<string, string> = { "docs/a b.txt": "/docs/a%20b.txt", "docs/é.json": "/docs/%C3%A9.json" };
    for (const [path, bytes] of Object.entries(FILES)) {
      const got = runRaw([`dump=${urls[path] ?? `/${path}`}`]);
      expect(Buffer.compare(got, Buffer.from(bytes)), path).toBe(0);
    }
  });

  test("paths find files: index.html for its directory, queries ignored, dotfiles and strangers not found", () => {
    const out = runRaw([
      "/",
      "/index.html",
      "/docs/",
      "/style.css?v=3",
      "/logo.svg#top",
      "/data.bin",
      "/empty.txt",
      "/.secret",
      "/nope",
      "/docs",
      "/style.cs",
      "/style.css2",
      "",
    ]).toString();
    const html = "text/html; charset=utf-8";
    expect(out.split("\n")).toEqual([
      // 11 files and the two directory paths of the index.html files
      "count 13",
      `/ | ${html} | ${etag(FILES["index.html"])} | ${FILES["index.html"].length} | `,
      `/index.html | ${html} | ${etag(FILES["index.html"])} | ${FILES["index.html"].length} | `,
      `/docs/ | ${html} | ${etag(FILES["docs/index.html"])} | ${FILES["docs/index.html"].length} | `,
      `/style.css | text/css; charset=utf-8 | ${etag(FILES["style.css"])} | ${FILES["style.css"].length} | `,
      `/logo.svg | image/svg+xml | ${etag(FILES["logo.svg"])} | ${FILES["logo.svg"].length} | `,
      `/data.bin | application/octet-stream | ${etag(FILES["data.bin"])} | 70001 | `,
      `/empty.txt | text/plain; charset=utf-8 | ${etag(FILES["empty.txt"])} | 0 | `,
      "none",
      "none",
      "none",
      "none",
      "none",
      "",
    ]);
  });

  test("inspect shows the assets as their own line of the breakdown", () => {
    const r = tessera(["inspect", image]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/assets \(11 files\)\s+\d+ B/);
    const json = JSON.parse(tessera(["inspect", image, "--json"]).stdout);
    expect(json.assets.files).toBe(11);
    // The files that compress are stored as gzip; the noise is stored as it is.
    const total = Object.values(FILES).reduce((a, b) => a + b.length, 0);
    expect(json.assets.bytes).toBeLessThan(total / 2);
    expect(json.assets.bytes).toBeGreaterThan(FILES["noise.bin"].length);
  });

  test("--assets DIR replaces the package's directory; lastModified gives HTTP dates", () => {
    const other = makeApp("dated", { tessera: { runtime: "stub", assets: { dir: "site", lastModified: true } } });
    mkdirSync(join(other, "elsewhere"));
    writeFileSync(join(other, "elsewhere", "only.txt"), "only");
    const r = tessera(["build", other, "-o", join(dir, "out"), "--assets", join(other, "elsewhere")]);
    expect(r.status, r.stderr).toBe(0);
    const run = spawnSync(process.execPath, [TESSERA, "run", join(dir, "out", "dated.wasm"), "--", "/only.txt"], {
      encoding: "utf8",
    });
    expect(run.stdout).toMatch(
      /^count 1\n\/only.txt \| text\/plain; charset=utf-8 \| "[\w-]{16}" \| 4 \| \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\n$/,
    );
  });
});

describe("bad assets directories get one line that says what is wrong", () => {
  test("a missing directory", () => {
    const a = makeApp("missing", { tessera: { assets: "nowhere" } });
    expectError(tessera(["build", a]), "the assets directory does not exist");
  });
  test("tessera.assets of the wrong type", () => {
    const a = makeApp("wrongtype", { tessera: { assets: 3 } });
    expectError(tessera(["build", a]), "tessera.assets must be a directory name");
  });
  test("a file too large", () => {
    const a = makeApp("toolarge", { tessera: { assets: "site" } });
    mkdirSync(join(a, "site"));
    const fd = openSync(join(a, "site", "huge.bin"), "w");
    ftruncateSync(fd, (1 << 20) + 1);
    closeSync(fd);
    expectError(tessera(["build", a]), "huge.bin: 1048577 bytes is too large to embed");
  });
  test("too many files", () => {
    const a = makeApp("toomany", { tessera: { assets: "site" } });
    mkdirSync(join(a, "site"));
    for (let i = 0; i <= 1024; i++) writeFileSync(join(a, "site", `f${i}.txt`), "");
    expectError(tessera(["build", a]), "too many files to embed (at most 1024)");
  });
  test("a symbolic link round a loop", () => {
    const a = makeApp("loop", { tessera: { assets: "site" } });
    mkdirSync(join(a, "site", "sub"), { recursive: true });
    symlinkSync("..", join(a, "site", "sub", "up"));
    expectError(tessera(["build", a]), "up: a link back to a directory above it (a loop)");
  });
  test("a file name that is not UTF-8", () => {
    const a = makeApp("latin1", { tessera: { assets: "site" } });
    mkdirSync(join(a, "site"));
    writeFileSync(Buffer.concat([Buffer.from(join(a, "site") + "/caf"), Buffer.from([0xe9]), Buffer.from(".txt")]), "");
    expectError(tessera(["build", a]), "caf\\xe9.txt: the file name is not UTF-8");
  });
});
