// Builds the native tenders (tessera-spt, and the others listed in TENDERS)
// with gcc: each from its own sources and the shared tender library
// (targets/native/host), into targets/<name>/build/tessera-<name>, and a
// sanitizer build (-fsanitize=address,undefined) beside it as
// tessera-<name>-asan for the tests; and for the tenders in STATIC, a static
// build, tessera-<name>-static, that starts in an empty root file system: the
// one `tessera package` puts in container images. It is built with musl
// (Debian's musl-tools) when musl-gcc is there: 92 KB against glibc's 780 KB,
// most of a container image; else with glibc's static libc, which is enough
// for a tender that makes only system calls (it resolves no names and loads
// no modules). It is -static-pie: a plain -static binary is linked at
// 0x400000, inside the low guest addresses spt maps at the guest's own.
// tessera-spt also carries the user-mode network's gateway (targets/native/gateway): the Node tender's gateway
// program, targets/node/gateway/build/gateway.wasm (built first by scripts/build-gateway.mjs if it is missing),
// translated to C by wasm2c here, at build time, into targets/spt/build/gen/ (never committed), and compiled
// freestanding against the guest runtime's headers once into an object every variant links.
// On an x86_64 host with Debian's cross compiler (apt-get install gcc-aarch64-linux-gnu), tessera-spt is also built
// for aarch64, as targets/spt/build/tessera-spt-aarch64: static-pie with glibc, so that it runs on any aarch64 Linux
// (a Raspberry Pi OS board) and under qemu-aarch64-static here with no aarch64 libraries installed. On an aarch64
// host the ordinary build is already aarch64.
// Without gcc it says so and carries on: only native images need the tenders.
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const host = join(root, "targets/native/host");

/** The tenders: name -> the directories (under the repository) of their own sources (.c and .S). */
const TENDERS = {
  spt: ["targets/spt/src", "targets/native/gateway"],
  hvt: ["targets/hvt/src"],
};
/** The tenders that carry the gateway. */
const GATEWAY = ["spt"];

const sourcesIn = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".c") || f.endsWith(".S"))
    .sort()
    .map((f) => join(root, dir, f));

const common = [
  "-std=c11",
  "-Wall",
  "-Wextra",
  "-Werror",
  "-I",
  host,
  "-I",
  join(root, "targets/native/include"),
  "-I",
  join(root, "packages/abi/include"),
];
/** The tenders that also get a static build. */
const STATIC = ["spt"];

// musl's headers do not include the kernel's (linux/seccomp.h, asm/unistd.h): a directory of links to
// Debian's, searched after musl's own.
function muslKernelHeaders() {
  const dir = mkdtempSync(join(tmpdir(), "tessera-musl-include-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  for (const [name, target] of [
    ["linux", "/usr/include/linux"],
    ["asm", "/usr/include/x86_64-linux-gnu/asm"],
    ["asm-generic", "/usr/include/asm-generic"],
  ])
    symlinkSync(target, join(dir, name));
  return dir;
}
const musl = spawnSync("musl-gcc", ["--version"]).status === 0;
if (!musl)
  console.warn(
    "build-tenders: musl-gcc not found; the static tender for container images is built with glibc (780 KB instead of 92 KB: apt-get install musl-tools)",
  );

const variants = [
  { suffix: "", flags: ["-O2"] },
  {
    suffix: "-asan",
    flags: ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"],
  },
  musl ? muslStaticPie() : { suffix: "-static", flags: ["-O2", "-static-pie", "-s"], only: STATIC },
];

// The static variant with musl. Debian's musl-gcc links every program against musl's dynamic loader (its
// specs know -static, not -static-pie), so the static PIE is spelled out: rcrt1.o (the start code that
// relocates the program itself) and gcc's crtbeginS/crtendS, linked -static -pie with no interpreter.
function muslStaticPie() {
  const lib = "/usr/lib/x86_64-linux-musl";
  const gccFile = (f) => execFileSync("gcc", [`-print-file-name=${f}`], { encoding: "utf8" }).trim();
  return {
    suffix: "-static",
    compiler: "musl-gcc",
    only: STATIC,
    flags: ["-O2", "-fPIE", "-s", "-nostartfiles", `${lib}/rcrt1.o`, `${lib}/crti.o`, gccFile("crtbeginS.o")],
    after: [gccFile("crtendS.o"), `${lib}/crtn.o`, "-Wl,-static,-pie,--no-dynamic-linker,-z,text"],
  };
}

// The gateway program as C (wasm2c) and an object compiled from it, in `out`/gen; returns [include dir, object].
// The object is compiled again only when the wasm, the runtime header or the flags change (it takes seconds).
function gatewayObject(out, compiler = "gcc") {
  const wasm = join(root, "targets/node/gateway/build/gateway.wasm");
  if (!existsSync(wasm))
    execFileSync(process.execPath, [join(root, "scripts/build-gateway.mjs")], { stdio: "inherit" });
  const gen = join(out, "gen");
  mkdirSync(gen, { recursive: true });
  const guestInclude = join(root, "targets/native/guest/include");
  const gccInclude = execFileSync(compiler, ["-print-file-name=include"], { encoding: "utf8" }).trim();
  const flags = ["-std=c11", "-O2", "-ffreestanding", "-nostdinc", "-isystem", gccInclude, "-I", guestInclude];
  flags.push("-fPIE", "-fno-stack-protector", "-w");
  const stamp = createHash("sha256")
    .update(readFileSync(wasm))
    .update(readFileSync(join(guestInclude, "wasm-rt.h")))
    .update(`${compiler} ${flags.join(" ")}`)
    .digest("hex");
  const suffix = compiler === "gcc" ? "" : `-${compiler.split("-")[0]}`;
  const object = join(gen, `gw_wasm${suffix}.o`);
  const stampFile = join(gen, `gw_wasm${suffix}.stamp`);
  if (existsSync(object) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return [gen, object];
  const wasm2c = join(root, "node_modules/wabt/bin/wasm2c");
  execFileSync(process.execPath, [wasm2c, wasm, "-n", "gateway", "-o", join(gen, "gw_wasm.c")], { stdio: "inherit" });
  execFileSync(compiler, [...flags, "-c", join(gen, "gw_wasm.c"), "-o", object], { stdio: "inherit" });
  writeFileSync(stampFile, stamp);
  return [gen, object];
}

// tessera-spt for aarch64 (spt-aarch64 images), cross-compiled on an x86_64 host when the cross compiler is there.
const CROSS = { spt: "aarch64-linux-gnu-gcc" };
const cross = process.arch === "x64" && spawnSync(CROSS.spt, ["--version"]).status === 0;

const only = process.argv.slice(2);
if (spawnSync("gcc", ["--version"]).status !== 0) {
  console.warn(
    "build-tenders: gcc not found; tessera-spt and tessera-hvt will be unavailable (apt-get install gcc, then npm run build)",
  );
} else {
  for (const [name, dirs] of Object.entries(TENDERS)) {
    if (only.length && !only.includes(name)) continue;
    const out = join(root, "targets", name, "build");
    mkdirSync(out, { recursive: true });
    const sources = [...sourcesIn("targets/native/host"), ...dirs.flatMap(sourcesIn)];
    const gateway = GATEWAY.includes(name) ? gatewayObject(out) : null;
    const gatewayFlags = gateway ? ["-I", join(root, "targets/native/gateway"), "-I", gateway[0]] : [];
    if (gateway) sources.push(gateway[1]);
    for (const v of variants) {
      if (v.only && !v.only.includes(name)) continue;
      const compiler = v.compiler ?? "gcc";
      const kernel = compiler === "musl-gcc" ? ["-isystem", muslKernelHeaders()] : [];
      execFileSync(
        compiler,
        [
          ...common,
          ...kernel,
          ...gatewayFlags,
          ...v.flags,
          ...sources,
          ...(v.after ?? []),
          "-o",
          join(out, `tessera-${name}${v.suffix}`),
        ],
        { stdio: "inherit" },
      );
    }
    if (CROSS[name] && cross) {
      const compiler = CROSS[name];
      const crossSources = sources.filter((f) => f !== gateway?.[1]);
      const crossGateway = gateway ? gatewayObject(out, compiler) : null;
      const crossFlags = crossGateway ? ["-I", join(root, "targets/native/gateway"), "-I", crossGateway[0]] : [];
      execFileSync(
        compiler,
        [
          ...common,
          ...crossFlags,
          "-O2",
          "-static-pie",
          "-s",
          ...crossSources,
          ...(crossGateway ? [crossGateway[1]] : []),
          "-o",
          join(out, `tessera-${name}-aarch64`),
        ],
        { stdio: "inherit" },
      );
    } else if (CROSS[name] && process.arch === "x64" && !only.length)
      console.warn(
        `build-tenders: ${CROSS[name]} not found; tessera-${name}-aarch64 (for --target ${name}-aarch64) is not built (apt-get install gcc-aarch64-linux-gnu)`,
      );
  }
}
