#!/usr/bin/env node
// Image sizes, built now: the hello unikernel (.wasm, and the native .spt and
// .hvt when gcc is here) beside the published sizes of other unikernels'
// hello images, the http example (likewise) beside a published nginx
// image (labelled as published: not measured here), and every example under
// the `minimal` memory manager (the default) and the `incremental` one.
// Writes benchmarks/results/size.json, docs/img/size.svg and
// docs/img/size-runtimes.svg.
//
//   node benchmarks/size.mjs
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { barChart } from "./lib/svg.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "tessera-size-"));

// Builds `app` (a directory) for `target` and returns the image's size in bytes.
function build(app, name, target = "node") {
  const out = join(work, "out");
  const targetArgs = target === "node" ? [] : ["--target", target];
  const built = spawnSync(
    process.execPath,
    [`${root}packages/cli/bin/tessera.cjs`, "build", app, "-o", out, ...targetArgs],
    { cwd: root, encoding: "utf8" },
  );
  if (built.status !== 0) {
    console.error(built.stderr);
    process.exit(1);
  }
  return statSync(join(out, `${name}.${target === "node" ? "wasm" : target}`)).size;
}
const gcc = spawnSync("gcc", ["--version"]).status === 0;

// Builds examples/`name` with the memory manager `runtime` (a copy with its package.json changed).
function buildWith(name, runtime) {
  const copy = join(work, `${name}-${runtime}`);
  cpSync(join(root, "examples", name), copy, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(copy, "package.json"), "utf8"));
  pkg.tessera = { ...pkg.tessera, runtime };
  writeFileSync(join(copy, "package.json"), JSON.stringify(pkg));
  return build(copy, name);
}

const fmt = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : b >= 1e4 ? `${(b / 1e3).toFixed(1)} KB` : `${b} bytes`);
try {
  const hello = build(join(root, "examples", "hello"), "hello");
  const published = [
    { label: "MirageOS hello, hvt (published)", bytes: 3.3e6 },
    { label: "Unikraft hello (published)", bytes: 213e3 },
  ];
  const examples = ["echo", "ping", "resolve", "kv", "http"].map((name) => ({
    name,
    minimal: buildWith(name, "minimal"),
    incremental: buildWith(name, "incremental"),
  }));
  const http = examples.find((e) => e.name === "http").minimal;
  // The native images of the same apps (static ELF files; see docs/native.md).
  const native = gcc
    ? Object.fromEntries(
        ["spt", "hvt"].map((t) => [
          t,
          {
            hello: build(join(root, "examples", "hello"), "hello", t),
            http: build(join(root, "examples", "http"), "http", t),
          },
        ]),
      )
    : null;
  const nginx = { label: "Unikraft nginx (published)", bytes: 1.63e6 };
  mkdirSync(`${root}benchmarks/results`, { recursive: true });
  writeFileSync(
    `${root}benchmarks/results/size.json`,
    JSON.stringify(
      { date: new Date().toISOString(), helloBytes: hello, published, httpBytes: http, nginx, native, examples },
      null,
      2,
    ) + "\n",
  );
  const rows = [
    { label: "Tessera hello.wasm (built now)", bytes: hello },
    ...(native
      ? [
          { label: "Tessera hello.spt (built now)", bytes: native.spt.hello },
          { label: "Tessera hello.hvt (built now)", bytes: native.hvt.hello },
        ]
      : []),
    ...published,
  ];
  writeFileSync(
    `${root}docs/img/size.svg`,
    barChart({
      title: "Size of a hello-world unikernel image",
      subtitle: "bars on a log scale (from 100 bytes); the others are their projects' published figures",
      unit: "",
      bars: rows.map((r) => ({ label: r.label, value: Math.log10(r.bytes / 100), text: fmt(r.bytes) })),
    }),
  );
  writeFileSync(
    `${root}docs/img/size-runtimes.svg`,
    barChart({
      title: "Example images under each memory manager",
      subtitle: "minimal (the default: collected by the event loop) against incremental (a shadow stack)",
      unit: " KB",
      bars: examples.flatMap((e) => [
        { label: `${e.name}, minimal`, value: e.minimal / 1e3, text: fmt(e.minimal), color: "#3b6fb6" },
        { label: `${e.name}, incremental`, value: e.incremental / 1e3, text: fmt(e.incremental), color: "#9aa5b1" },
      ]),
    }),
  );
  for (const r of rows)
    console.log(`${r.label.padEnd(34)} ${fmt(r.bytes).padStart(10)}  (${(r.bytes / hello).toFixed(0)}x ours)`);
  console.log(
    `${"Tessera http.wasm (built now)".padEnd(34)} ${fmt(http).padStart(10)}  (${nginx.label}: ${fmt(nginx.bytes)}, ${(nginx.bytes / http).toFixed(0)}x)`,
  );
  if (native)
    for (const t of ["spt", "hvt"])
      console.log(
        `${`Tessera http.${t} (built now)`.padEnd(34)} ${fmt(native[t].http).padStart(10)}  (${nginx.label}: ${(nginx.bytes / native[t].http).toFixed(1)}x)`,
      );
  else console.log("gcc not found: no native images measured");
  for (const e of examples)
    console.log(
      `${`${e.name}.wasm`.padEnd(14)} minimal ${fmt(e.minimal).padStart(9)}  incremental ${fmt(e.incremental).padStart(9)}  (${(e.incremental / e.minimal).toFixed(2)}x)`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
