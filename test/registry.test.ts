// Packages as users get them. A local npm registry (verdaccio, a devDependency)
// is started with its config and storage in a temporary directory, listening
// on 127.0.0.1; every @tessera package is published to it from this tree
// (npm publish --workspaces: what npm pack puts in each tarball, prepack's
// checks included). Then, in a fresh directory outside the repository, as a
// new user would: npm install @tessera/cli from that registry, tessera new,
// npm install in the app, build it and run it on the Node.js tender and, as a
// native image, on tessera-spt.
//
// The registry serves @tessera/* only from what this test published (that
// pattern has no uplink). Everything else (assemblyscript, binaryen, wabt)
// it fetches through its uplink from the public npm registry, and keeps in
// its temporary storage: so the test needs that registry to be reachable.
// npm runs with its own user config and cache in the temporary directory and
// none of the npm_* variables that npm or npx set for this process.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "./helpers/cli.js";
import { freePort } from "./helpers/ports.js";
import { command, firstMissing, gcc, need, type Missing } from "./helpers/require.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")) as { version: string })
  .version;

/** The built files that publishing needs beyond tsc's output (npm install builds them with gcc). */
const BUILT = [
  "targets/spt/build/tessera-spt",
  "targets/spt/build/tessera-spt-static",
  "targets/spt/build/tessera-spt-aarch64",
  "targets/hvt/build/tessera-hvt",
  "targets/node/native/tessera_tap.node",
  "targets/node/gateway/build/gateway.wasm",
  "packages/cli/dist/tessera.cjs",
];

function built(): Missing {
  const missing = BUILT.filter((f) => !existsSync(join(ROOT, f)));
  return missing.length
    ? `not built: ${missing.join(", ")} (apt-get install gcc gcc-aarch64-linux-gnu, then npm run build)`
    : null;
}

/** The @tessera packages of this tree that are published: every workspace under packages/ and targets/. */
function publishable(): string[] {
  return ["packages", "targets"].flatMap((top) =>
    readdirSync(join(ROOT, top))
      .filter((d) => existsSync(join(ROOT, top, d, "package.json")))
      .map(
        (d) =>
          JSON.parse(readFileSync(join(ROOT, top, d, "package.json"), "utf8")) as { name: string; private?: boolean },
      )
      .filter((p) => !p.private)
      .map((p) => p.name),
  );
}

/** GET `url`, on a connection of its own (verdaccio closes idle keep-alive connections under fetch's feet). */
function get(url: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? "GET", agent: false, headers: { "content-type": "application/json" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("packages from a registry", () => {
  const why = need(
    "the registry test",
    firstMissing(
      gcc,
      built,
      () => command("aarch64-linux-gnu-gcc"),
      () => command("qemu-aarch64-static"),
    ),
  );
  let tmp = "";
  let registry = "";
  let verdaccio: ChildProcess | null = null;
  let verdaccioLog = "";
  const env: NodeJS.ProcessEnv = {};

  /** Runs `cmd args` in `cwd` with the test's npm environment; fails the test with its output unless it exits 0. */
  function run(cmd: string, args: string[], cwd: string, timeout = 300_000): string {
    const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout, maxBuffer: 64 << 20 });
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    expect(r.status, `${cmd} ${args.join(" ")} in ${cwd}:\n${output}${r.error ? `\n${r.error.message}` : ""}`).toBe(0);
    return output;
  }

  beforeAll(async () => {
    if (why) return;
    tmp = mkdtempSync(join(tmpdir(), "tessera-registry-"));
    const port = await freePort();
    registry = `http://127.0.0.1:${port}/`;
    const config = join(tmp, "verdaccio");
    mkdirSync(config);
    writeFileSync(
      join(config, "config.yaml"),
      [
        `storage: ${join(config, "storage")}`,
        "auth:",
        "  htpasswd:",
        `    file: ${join(config, "htpasswd")}`,
        "uplinks:",
        "  npmjs:",
        "    url: https://registry.npmjs.org/",
        "    timeout: 120s",
        "packages:",
        "  '@tessera/*':",
        "    access: $all",
        "    publish: $authenticated",
        "  '**':",
        "    access: $all",
        "    publish: $authenticated",
        "    proxy: npmjs",
        "web:",
        "  enable: false",
        "log: { type: stdout, format: pretty, level: warn }",
        "",
      ].join("\n"),
    );
    verdaccio = spawn(
      process.execPath,
      [
        join(ROOT, "node_modules/verdaccio/bin/verdaccio"),
        "--config",
        join(config, "config.yaml"),
        "--listen",
        `127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    verdaccio.stdout!.on("data", (d) => (verdaccioLog += d));
    verdaccio.stderr!.on("data", (d) => (verdaccioLog += d));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await get(`${registry}-/ping`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline || verdaccio.exitCode !== null)
        throw new Error(`verdaccio did not start on ${registry}:\n${verdaccioLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // A user to publish as: what npm adduser does.
    const user = await get(`${registry}-/user/org.couchdb.user:tessera`, {
      method: "PUT",
      body: JSON.stringify({ name: "tessera", password: "tessera-registry-test", email: "test@localhost" }),
    });
    const { token } = JSON.parse(user.body) as { token?: string };
    if (user.status !== 201 || !token)
      throw new Error(`verdaccio refused the user (${user.status} ${user.body}):\n${verdaccioLog}`);
    const npmrc = join(tmp, "npmrc");
    writeFileSync(npmrc, `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== "INIT_CWD") env[k] = v;
    Object.assign(env, {
      npm_config_userconfig: npmrc,
      npm_config_registry: registry,
      npm_config_cache: join(tmp, "npm-cache"),
      npm_config_audit: "false",
      npm_config_fund: "false",
      npm_config_update_notifier: "false",
    });
  }, 120_000);

  afterAll(async () => {
    if (verdaccio && verdaccio.exitCode === null) {
      const exited = new Promise((r) => verdaccio!.once("exit", r));
      verdaccio.kill();
      await exited;
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test.skipIf(why !== null)(
    "every @tessera package publishes",
    async () => {
      run("npm", ["publish", "--workspaces", "--registry", registry], ROOT);
      for (const name of publishable()) {
        const r = await get(`${registry}${name.replace("/", "%2f")}`);
        expect(r.status, `${name} is not in the registry`).toBe(200);
        const doc = JSON.parse(r.body) as { versions: Record<string, unknown> };
        expect(Object.keys(doc.versions), name).toEqual([VERSION]);
      }
      // The examples are private: not published.
      expect((await get(`${registry}@tessera-examples%2fhello`)).status).toBe(404);
    },
    300_000,
  );

  test.skipIf(why !== null)(
    "in a fresh directory: npm install the CLI, tessera new, npm install, build and run on Node, spt and spt-aarch64",
    () => {
      // The tessera command, installed on its own, holding no AssemblyScript package.
      const tools = join(tmp, "tools");
      mkdirSync(tools);
      run("npm", ["install", `@tessera/cli@${VERSION}`], tools);
      const cli = join(tools, "node_modules/@tessera/cli");
      expect(existsSync(join(cli, "LICENSE")) && existsSync(join(cli, "dist/tessera.cjs"))).toBe(true);
      expect(existsSync(join(cli, "src")) || existsSync(join(cli, "test"))).toBe(false);
      expect(existsSync(join(tools, "node_modules/@tessera/spt/build/tessera-spt"))).toBe(true);
      expect(existsSync(join(tools, "node_modules/@tessera/runtime"))).toBe(false);
      const tessera = join(tools, "node_modules/.bin/tessera");

      const work = join(tmp, "work");
      mkdirSync(work);
      expect(run(tessera, ["new", "hello"], work)).toContain("\n  npm install\n");
      const app = join(work, "hello");
      const pkg = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
      expect(pkg.dependencies).toEqual({ "@tessera/console": VERSION, "@tessera/runtime": VERSION });
      expect(pkg.devDependencies["@tessera/cli"]).toBe(VERSION);

      // Before npm install the app has no packages: a one-line error that says what to do.
      const early = spawnSync(tessera, ["build", ".", "-o", "build"], { cwd: app, env, encoding: "utf8" });
      expect(early.status).toBe(1);
      expect(early.stderr).toMatch(/^tessera: \.: @tessera\/runtime is not installed;.*npm install/m);

      run("npm", ["install"], app);
      expect(existsSync(join(app, "node_modules/@tessera/runtime/assembly/index.ts"))).toBe(true);
      expect(existsSync(join(app, "node_modules/@tessera/runtime/assembly/__tests__"))).toBe(false);

      // The command installed apart builds it from the app's node_modules (its own has no @tessera/runtime).
      run(tessera, ["build", ".", "-o", "build"], app);
      const ran = spawnSync(tessera, ["run", "build/hello.wasm", "--", "name=registry"], {
        cwd: app,
        env,
        encoding: "utf8",
      });
      expect(ran.stdout).toBe("Hello, registry, from hello!\n");
      expect(ran.status).toBe(0);

      // The app's own scripts, with the command it installed.
      rmSync(join(app, "build"), { recursive: true });
      run("npm", ["run", "build"], app);
      expect(run("npm", ["start", "--silent", "--", "name=npm"], app)).toBe("Hello, npm, from hello!\n");

      // `npx tessera build . --target TARGET`, then `npx tessera run` of the image: hello greets `name`.
      const native = (target: string, name: string) => {
        run("npx", ["tessera", "build", ".", "--target", target, "-o", "build"], app);
        const r = spawnSync("npx", ["tessera", "run", `build/hello.${target}`, "--", `name=${name}`], {
          cwd: app,
          env,
          encoding: "utf8",
        });
        expect(r.stdout, r.stderr).toBe(`Hello, ${name}, from hello!\n`);
        expect(r.status).toBe(0);
      };
      // A native image on the tessera-spt that came with the command.
      native("spt", "spt");
      // An image for an ARM Linux board, on the tessera-spt-aarch64 that came in the same package (here under
      // qemu-aarch64-static; on the board itself, the tender the CLI picks there).
      expect(existsSync(join(tools, "node_modules/@tessera/spt/build/tessera-spt-aarch64"))).toBe(true);
      native("spt-aarch64", "arm");
    },
    900_000,
  );
});
