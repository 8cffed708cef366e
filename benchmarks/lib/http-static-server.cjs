// The Node.js peer of benchmarks/http.mjs: examples/http's site, read into
// memory at start and served by node:http with the same headers (content
// type, strong ETag, cache-control) on port 80 of its namespace.
const http = require("node:http");
const { createHash } = require("node:crypto");
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

const site = process.argv[2];
const types = { html: "text/html; charset=utf-8", css: "text/css; charset=utf-8", svg: "image/svg+xml" };
const files = new Map();
for (const name of readdirSync(site)) {
  const body = readFileSync(join(site, name));
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;
  const headers = {
    "content-type": types[name.split(".").pop()] ?? "application/octet-stream",
    etag,
    "cache-control": "no-cache",
    "content-length": body.length,
  };
  files.set(`/${name}`, { body, headers });
  if (name === "index.html") files.set("/", { body, headers });
}
http
  .createServer((req, res) => {
    const f = files.get(req.url.split("?")[0]);
    if (!f) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    res.writeHead(200, f.headers).end(f.body);
  })
  .listen(80, () => process.stdout.write("listening\n"));
