// The SQLite peer of benchmarks/kv.mjs: a Node.js HTTP server in front of an
// SQLite database (better-sqlite3) in WAL mode with synchronous=FULL. Each
// PUT /kv/<key> is one INSERT OR REPLACE in its own transaction (autocommit),
// so it is answered 204 only once SQLite has fsynced the WAL: like the
// Tessera service, HTTP and a durable write per request.
//
//   node kv-sqlite-server.cjs DBFILE PORT
"use strict";
const http = require("node:http");
const Database = require("better-sqlite3");

const [file, port] = process.argv.slice(2);
const db = new Database(file);
if (db.pragma("journal_mode = WAL", { simple: true }) !== "wal") throw new Error("no WAL");
db.pragma("synchronous = FULL");
db.exec("create table if not exists kv (k blob primary key, v blob) without rowid");
const put = db.prepare("insert or replace into kv values (?, ?)");

http
  .createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "PUT" && req.url.startsWith("/kv/")) {
        put.run(Buffer.from(decodeURIComponent(req.url.slice(4))), Buffer.concat(chunks));
        res.writeHead(204).end();
      } else if (req.method === "GET" && req.url === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      } else res.writeHead(404).end();
    });
  })
  .listen(Number(port));
