// Writes the seed corpus, fuzz/corpus/<target>/seed-*: the frames, requests and responses the packages' own specs
// use (read out of their sources), plus a few made here where the specs hold none in a form that can be read out
// (fragment sequences, KV frames and device images, native images).
//
// Usage: node fuzz/seed.mjs [TARGET...]   (all targets by default; existing seed-* files are replaced)

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUZZ, ROOT } from "./build.mjs";
import { TARGETS } from "./targets.mjs";

const read = (path) => readFileSync(join(ROOT, path), "utf8");
const bytes = (...parts) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));

/** The string literals in `source` that contain `marker`, unescaped (the specs write requests as "...\r\n..."). */
function literals(source, marker) {
  const out = new Set();
  for (const m of source.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)) {
    if (!m[1].includes(marker)) continue;
    out.add(
      m[1].replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, c) =>
        c[0] === "x" ? String.fromCharCode(parseInt(c.slice(1), 16)) : ({ r: "\r", n: "\n", t: "\t", 0: "\0" }[c] ?? c),
      ),
    );
  }
  return [...out];
}

/** The hex payloads `export const NAME = "..." + "...";` in wire-payloads.ts whose names start with `prefix`. */
function hexPayloads(prefix) {
  const src = read("packages/net/assembly/__tests__/wire-payloads.ts");
  const out = [];
  for (const m of src.matchAll(/export const (\w+) =\s*((?:"[0-9a-f]*"\s*\+?\s*)+);/g))
    if (m[1].startsWith(prefix))
      out.push(Buffer.from([...m[2].matchAll(/"([0-9a-f]*)"/g)].map((x) => x[1]).join(""), "hex"));
  return out;
}

/** The u8[] arrays `export const NAME: u8[] = [...]` of a captures file. */
function byteArrays(path) {
  const out = [];
  for (const m of read(path).matchAll(/export const (\w+): u8\[\] = \[([^\]]*)\]/g))
    out.push(
      Buffer.from(
        m[2]
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
          .map(Number),
      ),
    );
  return out;
}

// ---- builders for what the specs do not hold as bytes ------------------------------------------------------------

function ipv4Checksum(h) {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i] << 8) | h[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4 fragment of datagram `ident` (UDP 10.0.0.2 -> 10.0.0.1): payload bytes `data` at `offset`. */
function fragment(ident, offset, data, more) {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + data.length, 2);
  h.writeUInt16BE(ident, 4);
  h.writeUInt16BE((more ? 0x2000 : 0) | (offset >> 3), 6);
  h[8] = 64;
  h[9] = 17;
  h.writeUInt32BE(0x0a000002, 12);
  h.writeUInt32BE(0x0a000001, 16);
  h.writeUInt16BE(ipv4Checksum(h), 10);
  return Buffer.concat([h, data]);
}

/** A reassembly input: each [packet, seconds/4] as a record (control byte, 12-bit length, packet). */
function records(list) {
  return Buffer.concat(
    list.map(([p, steps = 0]) => Buffer.concat([Buffer.from([16 | steps, p.length & 0xff, p.length >> 8]), p])),
  );
}

const CRC32C = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `buf` continued from `seed`, as packages/block/assembly/crc32c.ts computes it. */
function crc32c(seed, buf) {
  let c = ~seed >>> 0;
  for (const b of buf) c = CRC32C[(c ^ b) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** A KV frame (format/frame.ts) of `entries` ([kind, key, value]), sealed for `salt`. */
function kvFrame(entries, sequence, prev, salt) {
  const body = Buffer.concat(
    entries.map(([kind, key, value]) => {
      const h = Buffer.alloc(8);
      h[0] = kind;
      h.writeUInt16LE(key.length, 2);
      h.writeUInt32LE(value.length, 4);
      return Buffer.concat([h, Buffer.from(key), Buffer.from(value)]);
    }),
  );
  const f = Buffer.concat([Buffer.alloc(32), body]);
  f.write("TSFR", 0, "latin1");
  f.writeBigUInt64LE(BigInt(sequence), 8);
  f.writeUInt32LE(prev, 16);
  f.writeUInt32LE(f.length, 20);
  f.writeUInt32LE(entries.length, 24);
  f.writeUInt32LE(crc32c(salt, f.subarray(8)), 4);
  return f;
}

/** A 16-block device of 512-byte blocks holding a store with `frames` (lists of entries) in region 0's log. */
function kvDevice(frames, salt = 0x1234567) {
  const bs = 512;
  const dev = Buffer.alloc(16 * bs);
  const sb = Buffer.alloc(64);
  sb.write("TSKV", 0, "latin1");
  sb.writeUInt32LE(1, 8);
  sb.writeUInt32LE(bs, 12);
  sb.writeBigUInt64LE(BigInt(dev.length), 16);
  sb.writeBigUInt64LE(7n, 24);
  sb.writeUInt32LE(salt, 32);
  sb.writeUInt32LE(crc32c(0, sb.subarray(8)), 4);
  sb.copy(dev, 0);
  sb.copy(dev, bs);
  const rh = Buffer.alloc(64);
  rh.write("TSRH", 0, "latin1");
  rh.writeBigUInt64LE(1n, 8);
  rh.writeBigUInt64LE(1n, 16);
  rh.writeUInt32LE(0, 24);
  rh.writeUInt32LE(salt, 28);
  const seed = crc32c(0, rh.subarray(8));
  rh.writeUInt32LE(seed, 4);
  rh.copy(dev, 2 * bs);
  rh.copy(dev, 3 * bs);
  let at = 4 * bs;
  let prev = seed;
  frames.forEach((entries, i) => {
    const f = kvFrame(entries, 1 + i, prev, salt);
    prev = f.readUInt32LE(4);
    f.copy(dev, at);
    at += Math.ceil(f.length / bs) * bs;
  });
  // Trailing zero blocks are left out: the fuzz entry pads the image with zeros.
  let end = dev.length;
  while (end > 0 && dev[end - 1] === 0) end--;
  return dev.subarray(0, end);
}

/** Native images of examples/hello for spt and hvt, built with the tessera command (needs gcc). */
function nativeImages() {
  const dir = mkdtempSync(join(tmpdir(), "fuzz-seed-"));
  try {
    const out = [];
    for (const target of ["spt", "hvt"]) {
      const cli = join(ROOT, "packages/cli/bin/tessera.cjs");
      const r = spawnSync(process.execPath, [cli, "build", "examples/hello", "--target", target, "-o", dir], {
        cwd: ROOT,
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`building examples/hello for ${target} failed:\n${r.stderr}`);
      out.push(readFileSync(join(dir, `hello.${target}`)));
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the seeds of each target ----------------------------------------------------------------------------------

const SEEDS = {
  "http-request": () => {
    const src = ["parser.spec.ts", "errors.spec.ts", "server.spec.ts", "slow.spec.ts"]
      .map((f) => read(`packages/http/assembly/__tests__/${f}`))
      .join("\n");
    // 0xff: 8192-byte heads, 64 fields, 2048-byte targets; then pieces of 7 and of 1 byte.
    return literals(src, " HTTP/1.").flatMap((r) => [bytes([0xff, 7], r), bytes([0xff, 0], r)]);
  },
  "http-response": () => {
    const src = ["server.spec.ts", "response.spec.ts", "errors.spec.ts"]
      .map((f) => read(`packages/http/assembly/__tests__/${f}`))
      .join("\n");
    const made = [
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
      "HTTP/1.0 200 OK\r\n\r\nuntil the close",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
      "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nno\n",
    ];
    return [...made, ...literals(src, "HTTP/1.1 ").filter((s) => s.startsWith("HTTP/1."))].map((r, i) =>
      bytes([i % 8], r),
    );
  },
  dns: () => hexPayloads("DNS_"),
  dhcp: () => hexPayloads("DHCP_"),
  tcp: () =>
    byteArrays("packages/net/assembly/__tests__/tcp-captures.ts").flatMap((frame) => {
      const segment = frame.subarray(14 + (frame[14] & 15) * 4);
      const syn = segment.length >= 14 && (segment[13] & 2) !== 0 ? 1 : 0;
      return [bytes([syn], segment)];
    }),
  reassembly: () => {
    const data = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7) & 0xff));
    const f0 = fragment(1, 0, data.subarray(0, 512), true);
    const f1 = fragment(1, 512, data.subarray(512, 1024), true);
    const f2 = fragment(1, 1024, data.subarray(1024), false);
    const g0 = fragment(2, 0, data.subarray(0, 64), true);
    const g1 = fragment(2, 64, data.subarray(64, 100), false);
    return [
      records([[f0], [f1], [f2]]),
      records([[f2], [f0], [f1]]),
      records([[f0], [g0], [f1], [g1], [f2]]),
      records([[f0], [f0], [f1, 15], [f2]]),
      records([[g1], [fragment(2, 32, data.subarray(32, 96), true)], [g0]]),
    ];
  },
  "kv-frame": () => [
    kvFrame([[1, "key", "value"]], 1, 0, 0x5a17),
    kvFrame(
      [
        [1, "a", "1"],
        [1, "b", "22"],
        [2, "a", ""],
        [1, "c", Buffer.alloc(100, 0x41)],
      ],
      7,
      0xdeadbeef,
      0x5a17,
    ),
    kvFrame([], 2, 0, 0x5a17),
  ],
  "kv-mount": () => [
    bytes([0x0f], kvDevice([])),
    bytes([0x0f], kvDevice([[[1, "key", "value"]]])),
    bytes(
      [0x07],
      kvDevice([
        [
          [1, "a", "1"],
          [1, "b", "2"],
        ],
        [[2, "a", ""]],
        [[1, "long", Buffer.alloc(600, 0x42)]],
      ]),
    ),
    bytes([0x00], kvDevice([[[1, "x", "y"]]])),
  ],
  json: () =>
    [
      '{"text": "a note", "tags": ["a", "b"], "n": -12.5e3, "ok": true, "none": null}',
      "[1, 0, -0, 1.5, 2E-3, 9223372036854775807, -9223372036854775808, 1e400]",
      '"\\u00e9\\ud834\\udd1e \\" \\\\ \\/ \\b\\f\\n\\r\\t"',
      "[[[[[[]]]]]]",
      '{"a": {"b": {"c": [{}, [], ""]}}}',
      "  42  ",
      '["café ☕ 𝄞"]',
      '{"a" 1}',
      "[1,]",
    ].map((s) => Buffer.from(s)),
  "image-loader": nativeImages,
};

const wanted = process.argv.slice(2);
for (const t of TARGETS) {
  if (wanted.length && !wanted.includes(t.name)) continue;
  const dir = join(FUZZ, "corpus", t.name);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.startsWith("seed-")) rmSync(join(dir, f));
  const seeds = SEEDS[t.name]().filter((s) => s.length <= t.maxLen);
  seeds.forEach((s, i) => writeFileSync(join(dir, `seed-${String(i).padStart(3, "0")}`), s));
  console.log(`${t.name}: ${seeds.length} seeds`);
}
