// What tessera-spt does for containers, checked without an engine: as PID 1
// of a PID namespace (unshare) it ends the guest on SIGTERM and SIGINT and
// drops stray signals; --block-create makes a disk as `tessera disk create`
// does; the disk lock (flock on FILE.lock) holds across PID namespaces, is
// free once its tender is killed, and still takes turns with the Node
// tender's pid lock. The same in docker: test/containers/docker.test.ts.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TESSERA, tessera } from "../helpers/cli.js";
import { command, firstMissing, need, root } from "../helpers/require.js";
import { buildFor, targetMissing, tenderBinary } from "../helpers/targets.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `child` has printed `text` on stdout (up to 10 s). */
async function printed(child: ChildProcess, out: { text: string }, text: string): Promise<void> {
  for (let i = 0; i < 200 && !out.text.includes(text); i++) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before printing ${text}: ${out.text}`);
    await sleep(50);
  }
  expect(out.text).toContain(text);
}

/** Starts `cmd args`, collecting its stdout and stderr. */
function start(cmd: string, args: string[]) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const out = { text: "" };
  const err = { text: "" };
  child.stdout?.on("data", (d: Buffer) => (out.text += d));
  child.stderr?.on("data", (d: Buffer) => (err.text += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code, signal) => r(code ?? (signal ? -1 : null))));
  return { child, out, err, exited };
}

describe("tessera-spt for containers", () => {
  const why = need(
    "the tender's container behaviour",
    firstMissing(
      () => targetMissing("spt"),
      root,
      () => command("unshare"),
    ),
  );
  let dir = "";
  let hold = "";
  let holdWasm = "";
  let blockIo = "";
  const spt = () => tenderBinary("spt");
  beforeAll(() => {
    if (why) return;
    dir = mkdtempSync(join(tmpdir(), "tessera-spt-containers-"));
    hold = buildFor("test/fixtures/disk-hold", "spt", join(dir, "out"));
    holdWasm = buildFor("test/fixtures/disk-hold", "node", join(dir, "out"));
    blockIo = buildFor("test/fixtures/block-io", "spt", join(dir, "out"));
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.skipIf(why !== null)(
    "as PID 1: stray signals are dropped, SIGTERM ends it with 143, SIGINT with 130",
    async () => {
      for (const [stop, status] of [
        ["SIGTERM", 143],
        ["SIGINT", 130],
      ] as const) {
        const disk = join(dir, `pid1-${stop}.img`);
        const run = start("unshare", [
          "-p",
          "-f",
          "--mount-proc",
          spt(),
          "--block",
          `storage=${disk}`,
          "--block-create",
          "storage=1M",
          hold,
        ]);
        await printed(run.child, run.out, "tick 1");
        // unshare's child is the tender: PID 1 in the new namespace.
        const pid = Number(
          readFileSync(`/proc/${run.child.pid}/task/${run.child.pid}/children`, "utf8").trim().split(" ")[0],
        );
        expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/^NSpid:\s+\d+\s+1$/m);
        for (const sig of ["SIGHUP", "SIGWINCH", "SIGUSR1", "SIGUSR2", "SIGPIPE", "SIGALRM"] as const)
          process.kill(pid, sig);
        const ticks = (run.out.text.match(/tick/g) ?? []).length;
        await sleep(1500);
        expect(run.child.exitCode).toBe(null);
        expect((run.out.text.match(/tick/g) ?? []).length).toBeGreaterThan(ticks);
        const t0 = performance.now();
        process.kill(pid, stop);
        expect(await run.exited).toBe(status);
        expect(performance.now() - t0).toBeLessThan(5000); // at once; the bound only allows for a loaded machine
        expect(existsSync(`${disk}.lock`)).toBe(false); // the supervisor removed its lock
      }
    },
  );

  test.skipIf(why !== null)(
    "--block-create makes the disk tessera disk create makes, once; bad sizes are usage errors",
    () => {
      const disk = join(dir, "created.img");
      const first = spawnSync(
        spt(),
        ["--block", `storage=${disk}`, "--block-create", "storage=2M", blockIo, "--", "write=8", "seed=3"],
        { encoding: "utf8" },
      );
      expect(first.status, first.stderr).toBe(0);
      expect(first.stderr).toBe(
        `tessera-spt: --block storage=${disk}: created it: 2097152 bytes in 512 blocks of 4096 bytes\n`,
      );
      const inspect = tessera(["disk", "inspect", disk, "--json"]);
      expect(inspect.status, inspect.stderr).toBe(0);
      expect(JSON.parse(inspect.stdout)).toMatchObject({ blockSize: 4096, capacity: 2097152 });
      // There now: used as it is, its blocks kept.
      const again = spawnSync(
        spt(),
        ["--block", `storage=${disk}`, "--block-create", "storage=4M", blockIo, "--", "verify=8", "seed=3"],
        { encoding: "utf8" },
      );
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr).toBe("");
      expect(again.stdout).toContain("capacity=2097152");
      for (const [arg, msg] of [
        ["storage=1000", /--block-create storage=1000: write it as NAME=SIZE, SIZE a whole number of 4096-byte blocks/],
        ["storage=2X", /--block-create storage=2X: write it as NAME=SIZE/],
        ["other=1M", /--block-create other=1M: no --block other=FILE names the file to create/],
      ] as const) {
        const r = spawnSync(spt(), ["--block", `storage=${disk}`, "--block-create", arg, blockIo], {
          encoding: "utf8",
        });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(msg);
      }
    },
  );

  test.skipIf(why !== null)(
    "the disk lock: across PID namespaces, free once its tender is killed, and with the Node tender's",
    async () => {
      const disk = join(dir, "shared.img");
      expect(tessera(["disk", "create", disk, "1M"]).status).toBe(0);
      const holder = start(spt(), ["--block", `storage=${disk}`, hold]);
      await printed(holder.child, holder.out, "holding storage");
      expect(readFileSync(`${disk}.lock`, "utf8")).toBe(`${holder.child.pid}\nflock\n`);
      // Another PID namespace, where that pid means nothing: refused by the kernel lock.
      const other = spawnSync("unshare", ["-p", "-f", "--mount-proc", spt(), "--block", `storage=${disk}`, blockIo], {
        encoding: "utf8",
      });
      expect(other.status).toBe(1);
      expect(other.stderr).toMatch(/in use by another tender \(pid \d+ in its own PID namespace/);
      // The Node tender reads the native tender's lock from /proc/locks.
      const node = spawnSync(process.execPath, [TESSERA, "run", holdWasm, "--block", `storage=${disk}`], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(node.status).toBe(1);
      expect(node.stderr).toContain(`in use by another tender (pid ${holder.child.pid}`);
      expect(tessera(["disk", "inspect", disk]).stdout).toMatch(
        new RegExp(`state\\s+open in a tender \\(pid ${holder.child.pid}\\)`),
      );
      // SIGKILL: the lock file stays, its kernel lock does not; both tenders take it over.
      holder.child.kill("SIGKILL");
      await holder.exited;
      for (let i = 0; i < 100 && spawnSync("pgrep", ["-f", hold]).status === 0; i++) await sleep(20);
      expect(existsSync(`${disk}.lock`)).toBe(true);
      expect(tessera(["disk", "inspect", disk]).stdout).toMatch(/state\s+free \(a stale lock/);
      const nodeHolder = start(process.execPath, [TESSERA, "run", holdWasm, "--block", `storage=${disk}`]);
      try {
        await printed(nodeHolder.child, nodeHolder.out, "holding storage");
        // And the other way: a live Node tender's pid lock is honoured by spt.
        const refused = spawnSync(spt(), ["--block", `storage=${disk}`, blockIo], { encoding: "utf8" });
        expect(refused.status).toBe(1);
        expect(refused.stderr).toMatch(/in use by another tender \(pid \d+; its lock is/);
      } finally {
        nodeHolder.child.kill("SIGTERM");
        await nodeHolder.exited;
      }
      const after = spawnSync(spt(), ["--block", `storage=${disk}`, blockIo], { encoding: "utf8" });
      expect(after.status, after.stderr).toBe(0);
      expect(existsSync(`${disk}.lock`)).toBe(false);
    },
  );
});
