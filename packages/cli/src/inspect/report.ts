/**
 * What `tessera inspect` reports: an image's ABI version, manifest, imports
 * and exports, and where its bytes go, by section, package and function.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { formatFuncType, parseManifest, SECTION_NAMES, type Image, type Manifest } from "@tessera/image";
import { serviceLines } from "./service.js";

/** Bytes attributed to one thing. */
export interface SizeRow {
  name: string;
  bytes: number;
}

/** Everything `tessera inspect` shows, also its `--json` output. */
export interface Report {
  file: string;
  size: number;
  abiVersion: number | null;
  manifest: Manifest | null;
  imports: { module: string; name: string; signature: string }[];
  exports: { name: string; kind: string }[];
  memory: { initialPages: number; maximumPages: number | null } | null;
  /** Where the names came from: the image, its `.names` sidecar, or nowhere. */
  names: "image" | "sidecar" | "none";
  /** The files embedded with `tessera build --assets` and the bytes of data they take, or null. */
  assets: { files: number; bytes: number } | null;
  sections: SizeRow[];
  packages: SizeRow[];
  functions: SizeRow[];
}

let stdModules: Set<string> | null = null;

/** Whether `~lib/<first>/...` is AssemblyScript's standard library rather than a package. */
function isStd(first: string): boolean {
  if (!stdModules) {
    stdModules = new Set();
    try {
      const require = createRequire(import.meta.url);
      const std = join(dirname(require.resolve("assemblyscript/package.json")), "std", "assembly");
      stdModules = new Set(
        ["rt", "util", "polyfills", "shared", "bindings", "builtins", "memory", "string", "array"].filter(
          (m) => existsSync(join(std, m)) || existsSync(join(std, `${m}.ts`)),
        ),
      );
      stdModules.add("std");
    } catch {
      /* no assemblyscript installed: everything under ~lib that is not a scope counts as std */
    }
  }
  return stdModules.has(first) || !first.startsWith("@");
}

/** The package a function belongs to, from its internal name. */
export function packageOf(functionName: string | undefined, appName: string): string {
  if (!functionName) return "(unnamed)";
  if (!functionName.startsWith("~lib/")) return `${appName} (the app)`;
  const parts = functionName.slice(5).split("/");
  if (parts[0].startsWith("@") && parts.length > 1) return `${parts[0]}/${parts[1]}`;
  return isStd(parts[0]) ? "AssemblyScript std" : parts[0];
}

function sumRows(map: Map<string, number>): SizeRow[] {
  return [...map]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

/** Builds the report of a parsed image. */
export function buildReport(
  file: string,
  bytes: Uint8Array,
  image: Image,
  names: Map<number, string>,
  namesFrom: Report["names"],
): Report {
  let manifest: Manifest | null = null;
  try {
    manifest = image.manifestText === null ? null : parseManifest(image.manifestText);
  } catch {
    manifest = null;
  }
  const appName = file.replace(/^.*\//, "").replace(/\.wasm$/, "");
  const sections = new Map<string, number>();
  for (const s of image.sections) {
    const name = s.id === 0 ? `custom "${s.name}"` : (SECTION_NAMES[s.id] ?? `section ${s.id}`);
    const whole = s.offset + s.size - s.start;
    sections.set(name, (sections.get(name) ?? 0) + whole);
  }
  sections.set("header", 8);
  const packages = new Map<string, number>();
  const functions: SizeRow[] = [];
  for (const [index, size] of image.functionBodySizes) {
    const name = names.get(index);
    functions.push({ name: name ?? `wasm-function[${index}]`, bytes: size });
    const pkg = packageOf(name, appName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + size);
  }
  // The build notes the embedded files' share of the data (see build/assets.ts).
  const assetsSection = image.sections.find((s) => s.id === 0 && s.name === "tessera.assets" && s.size === 8);
  let assets: Report["assets"] = null;
  if (assetsSection) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + assetsSection.offset, 8);
    assets = { files: view.getUint32(0, true), bytes: Math.min(view.getUint32(4, true), image.dataSize) };
    packages.set(`assets (${assets.files} files)`, assets.bytes);
  }
  const staticData = image.dataSize - (assets?.bytes ?? 0);
  if (staticData) packages.set("static data", staticData);
  functions.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  return {
    file,
    size: bytes.length,
    abiVersion: image.abiVersion,
    manifest,
    imports: image.imports.map((i) => ({
      module: i.module,
      name: i.name,
      signature: i.type ? formatFuncType(i.type) : i.kind,
    })),
    exports: image.exports.map((e) => ({ name: e.name, kind: e.kind })),
    memory: image.memory ? { initialPages: image.memory.initial, maximumPages: image.memory.maximum } : null,
    names: namesFrom,
    assets,
    sections: sumRows(sections),
    packages: sumRows(packages),
    functions,
  };
}

export function bars(rows: SizeRow[], total: number, limit = rows.length): string[] {
  const shown = rows.slice(0, limit);
  const w = Math.max(...shown.map((r) => r.name.length), 8);
  const out = shown.map((r) => {
    const pct = total ? (100 * r.bytes) / total : 0;
    const bar = "█".repeat(Math.round(pct / 4)) + (pct % 4 >= 2 && pct < 2 ? "▏" : "");
    return `  ${r.name.padEnd(w)} ${String(r.bytes).padStart(7)} B ${pct.toFixed(1).padStart(5)}%  ${bar}`;
  });
  if (rows.length > limit) {
    const rest = rows.slice(limit).reduce((a, r) => a + r.bytes, 0);
    out.push(`  ${`(${rows.length - limit} more)`.padEnd(w)} ${String(rest).padStart(7)} B`);
  }
  return out;
}

/** The report as text for a person. */
export function formatReport(r: Report, top = 15): string {
  const lines: string[] = [];
  lines.push(
    `${r.file}: ${r.size} bytes, Tessera ABI ${r.abiVersion === null ? "(none: not a Tessera image)" : `v${r.abiVersion}`}`,
  );
  const devices = r.manifest?.devices ?? [];
  lines.push(
    `devices: ${r.manifest === null ? "(no valid manifest)" : devices.length ? devices.map((d) => `${d.name} (${d.kind})`).join(", ") : "none"}`,
  );
  if (r.manifest) lines.push(...serviceLines(r.manifest));
  if (r.memory)
    lines.push(
      `memory: ${r.memory.initialPages} page(s) of 64 KiB at start${r.memory.maximumPages === null ? ", no maximum" : `, at most ${r.memory.maximumPages}`}`,
    );
  lines.push(`imports (${r.imports.length}):`);
  for (const i of r.imports) lines.push(`  ${i.module}.${i.name} ${i.signature}`);
  lines.push(`exports: ${r.exports.map((e) => e.name).join(", ") || "none"}`);
  lines.push("", "size by section:", ...bars(r.sections, r.size));
  const code = r.functions.reduce((a, f) => a + f.bytes, 0);
  lines.push("", "code and data by package:", ...bars(r.packages, r.size));
  lines.push(
    "",
    `functions by size (${r.functions.length}, ${code} bytes of code):`,
    ...bars(r.functions, r.size, top),
  );
  if (r.names === "none")
    lines.push("", "(no function names: keep the .names file beside the image, or build with --debug)");
  return lines.join("\n") + "\n";
}
