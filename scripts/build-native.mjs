// Builds the Node tender's native helper (targets/node/native/tap.c, unix.c,
// the switch backend's sockets, and frames.c, the net data path) with gcc
// into targets/node/native/tessera_tap.node. Without gcc or Node's headers it
// says so and carries on: only the tap and switch backends need the helper.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../targets/node/native/", import.meta.url));
const out = join(dir, "tessera_tap.node");
const headerDirs = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, "include", "node"),
  join(dirname(dirname(process.execPath)), "include", "node"),
  "/usr/include/node",
  "/usr/local/include/node",
].filter(Boolean);
const headers = headerDirs.find((d) => existsSync(join(d, "node_api.h")));

if (spawnSync("gcc", ["--version"]).status !== 0) {
  console.warn(
    "build-native: gcc not found; the tap backend will be unavailable (apt-get install gcc, then npm run build)",
  );
} else if (!headers) {
  console.warn(`build-native: node_api.h not found in ${headerDirs.join(", ")}; the tap backend will be unavailable`);
} else {
  execFileSync(
    "gcc",
    [
      "-std=c11",
      "-O2",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-fPIC",
      "-shared",
      "-DNODE_GYP_MODULE_NAME=tessera_tap",
      "-I",
      headers,
      join(dir, "tap.c"),
      join(dir, "unix.c"),
      join(dir, "frames.c"),
      "-o",
      out,
    ],
    { stdio: "inherit" },
  );
}
