// Writes packages/http/assembly/tables.ts (and a file for each further group of TEXT) from tables.mjs, or with
// --check fails if one differs from what tables.mjs says (npm run check-generated runs this, as it runs the ABI's generator).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { METHODS, STATUSES, TEXT } from "./tables.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const hex = (b) => "0x" + b.toString(16).padStart(2, "0");
const quoted = (s) => JSON.stringify(s);

// Byte lines of at most 19 values, as prettier lays out a memory.data array at a width of 120.
function byteLines(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 19)
    lines.push(
      "  " +
        bytes
          .slice(i, i + 19)
          .map(hex)
          .join(", ") +
        ",",
    );
  return lines;
}

function ascii(text, what) {
  const bytes = [...text].map((c) => c.charCodeAt(0));
  if (bytes.some((b) => b > 0x7e || (b < 0x20 && b !== 0x0d && b !== 0x0a)))
    throw new Error(`${what}: ${quoted(text)} is not printable ASCII`);
  return bytes;
}

/**
 * Lays the pieces of a group of TEXT out in one run of bytes, longest first, each stored once: a piece found in what is
 * laid out already (`close` in `Connection: close\r\n`) points into it. Returns the bytes and each piece's offset.
 */
export function layOut(text) {
  let blob = "";
  const offsets = {};
  const names = Object.keys(text).sort((a, b) => text[b].length - text[a].length);
  for (const name of names) {
    const s = text[name];
    ascii(s, name);
    let at = blob.indexOf(s);
    if (at < 0) {
      at = blob.length;
      blob += s;
    }
    offsets[name] = at;
  }
  return { bytes: ascii(blob, "TEXT"), offsets };
}

/** The reason table's bytes: per status, its code's difference from the previous one's, the phrase's length, the phrase; two zeros end it. */
export function reasonBytes(statuses = STATUSES) {
  const bytes = [];
  let last = 0;
  for (const [code, phrase] of statuses) {
    if (code <= last || code - last > 255 || phrase.length > 255) throw new Error(`status ${code}: out of order`);
    bytes.push(code - last, phrase.length, ...ascii(phrase, `status ${code}`));
    last = code;
  }
  bytes.push(0, 0);
  return bytes;
}

/** The method table's bytes: per method, its name's length and the name; a zero ends it. */
export function methodBytes(methods = METHODS) {
  const bytes = [];
  for (const m of methods) bytes.push(m.length, ...ascii(m, `method ${m}`));
  bytes.push(0);
  return bytes;
}

const capitalised = (m) => m[0] + m.slice(1).toLowerCase();
const member = (phrase) => phrase.replace(/[ -]/g, "");

const HEADER = [
  "// Generated from packages/http/tables/tables.mjs by packages/http/tables/generate.mjs: edit those, not this.",
];

// The lines that lay out one group of TEXT and name its pieces.
function textLines(group, pieces) {
  const { bytes, offsets } = layOut(pieces);
  const blob = `${group}_TEXT`;
  const out = [`// The pieces below, laid out once (a piece inside another is not stored again).`];
  out.push(`@lazy const ${blob}: usize = memory.data<u8>([`, ...byteLines(bytes), "]);", "");
  for (const name of Object.keys(pieces)) {
    out.push(`/** ${quoted(pieces[name])} */`);
    out.push(`@lazy export const ${name}: usize = ${blob} + ${offsets[name]};`);
    out.push(`/** Bytes of \`${name}\`. */`);
    out.push(`export const ${name}_LENGTH: u32 = ${pieces[name].length};`);
  }
  return out;
}

/** The file a group of TEXT goes in: HEADS in tables.ts, another in its own (a file's data is in every image that uses any of it). */
export function groupFile(group) {
  return group === "HEADS" ? "assembly/tables.ts" : `assembly/${group.toLowerCase()}-text.ts`;
}

/** The generated files: path (relative to packages/http) -> text. */
export function renderAll() {
  const files = {};
  const out = [
    "// The constant text of @tessera/http: the request methods, the status codes and their reason phrases, and the",
    "// fixed pieces of heads, as ASCII bytes in the data segment (an AssemblyScript string costs two bytes a character",
    "// and a header), each named with its address and length. Each is `@lazy`: in the image only if it is used (a",
    "// global's initializer, data included, is in every image that imports its file, through the package's main",
    "// entry). Not formatted by prettier, which does not know AssemblyScript's decorators.",
    ...HEADER,
    "",
    "/** A request method, recognised once so routing compares integers. */",
    "export enum Method {",
    "  /** A method this enum does not name; compare with `methodIs`. */",
    "  Other = 0,",
  ];
  for (const m of METHODS) out.push(`  /** ${m} */`, `  ${capitalised(m)},`);
  out.push(
    "}",
    "",
    "/** The status codes this package names; any code 100..999 may still be written. */",
    "export enum Status {",
  );
  for (const [code, phrase] of STATUSES) out.push(`  /** ${code} ${phrase}. */`, `  ${member(phrase)} = ${code},`);
  out.push("}", "", ...textLines("HEADS", TEXT.HEADS), "");
  const reasons = reasonBytes();
  out.push(
    "/**",
    " * The reason phrases of `Status`, in order of code. An entry: the code's difference from the previous entry's",
    " * (one byte), the phrase's length (one byte), the phrase. Two zero bytes end the table.",
    " */",
    "@lazy export const REASONS: usize = memory.data<u8>([",
    ...byteLines(reasons),
    "]);",
    "/** Address of the zero length byte that ends `REASONS`: the entry of a code without a phrase. */",
    `@lazy export const REASONS_END: usize = REASONS + ${reasons.length - 1};`,
    "",
    "/** The names of the methods `Method` names, in its order: a length byte, then the name; a zero length ends them. */",
    "@lazy export const METHOD_NAMES: usize = memory.data<u8>([",
    ...byteLines(methodBytes()),
    "]);",
    `/** The number of methods \`Method\` names (\`Method.Other\` aside). */`,
    `export const METHOD_COUNT: i32 = ${METHODS.length};`,
    "",
  );
  files[groupFile("HEADS")] = out.join("\n");
  for (const [group, pieces] of Object.entries(TEXT)) {
    if (group === "HEADS") continue;
    const lines = [
      `// The constant text of @tessera/http's ${group.toLowerCase()}, as ASCII bytes in the data segment, each piece`,
      "// `@lazy`: in the image only if it is used.",
    ];
    files[groupFile(group)] = [...lines, ...HEADER, "", ...textLines(group, pieces), ""].join("\n");
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [rel, text] of Object.entries(renderAll())) {
    const file = join(here, "..", rel);
    let old = "";
    try {
      old = readFileSync(file, "utf8");
    } catch {
      /* not there yet */
    }
    if (old === text) continue;
    if (check) {
      console.error(`@tessera/http: ${rel} is out of date (run: node packages/http/tables/generate.mjs)`);
      stale++;
    } else {
      writeFileSync(file, text);
      console.log(`wrote packages/http/${rel}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
