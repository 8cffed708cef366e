// The fuzz targets: each one parser that reads bytes from outside, and how its entry is built.
//
// kind "as": an AssemblyScript entry in fuzz/assembly/<name>.ts, compiled like an image and translated to C by
// wasm2c; kind "c": a C entry in fuzz/native/<name>.c linked with C sources of the repository.

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {"as" | "c"} kind
 * @property {number} maxLen libFuzzer's -max_len
 * @property {string} what the parser, in a few words
 * @property {string[]} [sources] kind "c": the repository's C files linked in (relative to the repository)
 * @property {string[]} [includes] kind "c": include directories
 * @property {string[]} [linkFlags] kind "c": more linker flags
 */

/** @type {Target[]} */
export const TARGETS = [
  {
    name: "http-request",
    kind: "as",
    maxLen: 16384,
    what: "HTTP/1.1 request heads and bodies (packages/http parser.ts, head.ts), fed in pieces",
  },
  {
    name: "http-response",
    kind: "as",
    maxLen: 16384,
    what: "the HTTP client's response parser (packages/http client.ts) over TCP on the in-memory wire",
  },
  { name: "dns", kind: "as", maxLen: 1024, what: "DNS messages (packages/net wire/dns.ts, dns-repr.ts)" },
  { name: "dhcp", kind: "as", maxLen: 1024, what: "DHCP messages (packages/net wire/dhcp.ts, dhcp-repr.ts)" },
  {
    name: "tcp",
    kind: "as",
    maxLen: 1600,
    what: "TCP segments and options (packages/net wire/tcp.ts, tcp-options.ts)",
  },
  {
    name: "reassembly",
    kind: "as",
    maxLen: 8192,
    what: "IPv4 fragment reassembly (packages/net iface/reassembly.ts), a sequence of fragments",
  },
  {
    name: "kv-frame",
    kind: "as",
    maxLen: 8192,
    what: "the KV log's frame decoder (packages/block format/frame.ts) and the table it fills",
  },
  {
    name: "kv-mount",
    kind: "as",
    maxLen: 8193,
    what: "mounting a KV store from a device image: superblocks, region headers, log replay (packages/block recover.ts)",
  },
  {
    name: "json",
    kind: "as",
    maxLen: 4096,
    what: "JSON text (packages/json reader.ts), read whole, then written again with JsonWriter and read again",
  },
  {
    name: "image-loader",
    kind: "c",
    maxLen: 32768,
    what: "the native tenders' ELF image loader (targets/native/host image.c, manifest.c, symbols.c)",
    sources: ["targets/native/host/*.c"],
    includes: ["targets/native/host", "targets/native/include", "packages/abi/include"],
    linkFlags: ["-Wl,--wrap=tender_fail"],
  },
];

/** The target called `name`, or undefined. */
export function targetNamed(name) {
  return TARGETS.find((t) => t.name === name);
}
