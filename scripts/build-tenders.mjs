// Builds the native tenders (tessera-spt, and the others listed in TENDERS)
// with gcc: each from its own sources and the shared tender library
// (targets/native/host), into targets/<name>/build/tessera-<name>, and a
// sanitizer build (-fsanitize=address,undefined) beside it as
// tessera-<name>-asan for the tests; and for the tenders in STATIC, a static
// build, tessera-<name>-static, that starts in an empty root file system: the
// one `tessera package` puts in container images (glibc's static libc is
// enough for a tender that makes only system calls: it resolves no names and
// loads no modules). It is -static-pie: a plain -static binary is linked at
// 0x400000, inside the low guest addresses spt maps at the guest's own. Without gcc it says so and carries on: only native
// images need the tenders.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const host = join(root, "targets/native/host");

/** The tenders: name -> the directories (under the repository) of their own sources (.c and .S). */
const TENDERS = {
  spt: ["targets/spt/src"],
  hvt: ["targets/hvt/src"],
};

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

const variants = [
  { suffix: "", flags: ["-O2"] },
  {
    suffix: "-asan",
    flags: ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"],
  },
  { suffix: "-static", flags: ["-O2", "-static-pie", "-s"], only: STATIC },
];

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
    for (const v of variants) {
      if (v.only && !v.only.includes(name)) continue;
      execFileSync("gcc", [...common, ...v.flags, ...sources, "-o", join(out, `tessera-${name}${v.suffix}`)], {
        stdio: "inherit",
      });
    }
  }
}
