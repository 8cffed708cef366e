// The shared suite, part 4: examples/kv through a TAP device in a namespace
// this test makes, on every target, with a disk file: the HTTP API and its
// limits with curl, and durability when the tender is killed with SIGKILL in
// the middle of a storm of PUTs, three times: every PUT that got its 201 is
// there, byte for byte, after each restart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, tessera } from "../helpers/cli.js";
import { BackgroundTessera, netnsMissing, TapNamespace } from "../helpers/netns.js";
import { need, type Missing } from "../helpers/require.js";
import { buildFor, killTender, slowCalls, suiteTargets, type Target } from "../helpers/targets.js";

const netns = netnsMissing(["ping", "curl"]);

const CLIENT = join(ROOT, "test/helpers/kv-client.cjs");
const URL = "http://10.93.0.2";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-suite-kv-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(suiteTargets({ virtio: true }))("on %s", (target: Target, missing: Missing) => {
  const why = need(`the kv suite on ${target}`, netns ?? missing);
  const slow = slowCalls(target);
  let ns: TapNamespace;
  let image = "";
  let guest: BackgroundTessera | null = null;

  function disk(name: string, size: string): string {
    const file = join(dir, `${target}-${name}`);
    const r = tessera(["disk", "create", file, size]);
    expect(r.status, r.stderr).toBe(0);
    return file;
  }

  /** Starts kv on `file` and waits until it answers a ping. */
  async function boot(file: string): Promise<void> {
    guest = new BackgroundTessera(
      ["run", image, "--net", "service=tap:tsk0", "--block", `storage=${file}`, "--", "ip=10.93.0.2/24"],
      { netns: ns.name },
    );
    expect(ns.waitForPing("10.93.0.2", 30), `kv never answered a ping; it said: ${guest.output}`).toBe(true);
    // (the ping above blocked this process: the output comes in now)
    expect(await guest.waitFor(/kv: \d+ keys; serving on port 80/, 5000), guest.output).toBe(true);
  }

  const stopTender = () => killTender(guest?.child ?? null, image);

  beforeAll(() => {
    if (why) return;
    image = buildFor("examples/kv", target, join(dir, target));
    ns = new TapNamespace(`tessera-kv-${target}-${process.pid}`, "tsk0", "10.93.0.1/24");
  }, 180_000);

  afterAll(async () => {
    await stopTender();
    ns?.destroy();
  });

  function curl(...args: string[]) {
    const r = ns.run("curl", ["-sS", "--max-time", "30", "-w", "\n%{http_code}", ...args]);
    const text = r.stdout.toString();
    const cut = text.lastIndexOf("\n");
    return { status: Number(text.slice(cut + 1)), body: text.slice(0, cut), stderr: r.stderr.toString() };
  }

  test.skipIf(why !== null)(
    "the API: 201, 204, GET, DELETE, 404, ?prefix= in order, and the limits",
    async () => {
      await boot(disk("api.img", "16M"));
      try {
        expect(curl("-X", "PUT", "--data-binary", "hello", `${URL}/kv/greeting`).status).toBe(201);
        expect(curl("-X", "PUT", "--data-binary", "hello again", `${URL}/kv/greeting`).status).toBe(204);
        expect(curl(`${URL}/kv/greeting`)).toMatchObject({ status: 200, body: "hello again" });
        expect(curl("-X", "DELETE", `${URL}/kv/greeting`).status).toBe(204);
        expect(curl(`${URL}/kv/greeting`).status).toBe(404);
        for (const k of ["list%2Fb", "list%2Fa", "list%2Fc%20d", "other"])
          expect(curl("-X", "PUT", "--data-binary", k, `${URL}/kv/${k}`).status).toBe(201);
        expect(curl(`${URL}/kv?prefix=list%2F`)).toMatchObject({ status: 200, body: "list/a\nlist/b\nlist/c%20d\n" });
        expect(curl("-X", "PUT", "--data-binary", "v", `${URL}/kv/${"k".repeat(1025)}`).status).toBe(414);
        expect(curl("-X", "PUT", "--data-binary", "v", `${URL}/kv/bad%zz`).status).toBe(400);
      } finally {
        await stopTender();
      }
    },
    120_000,
  );

  test.skipIf(why !== null)(
    "SIGKILL of the tender during a storm of PUTs, three times: every PUT that got its 201 is there",
    async () => {
      const file = disk("storm.img", "32M");
      const acked: string[] = [];
      for (let round = 0; round < 3; round++) {
        await boot(file);
        const client = ns.start(process.execPath, [
          CLIENT,
          "storm",
          "10.93.0.2",
          "60000", // at most: the test kills the client once it has killed kv
          slow ? "2" : "6",
          `r${round}`,
        ]);
        let keys = "";
        let firstAck: () => void = () => {};
        const acking = new Promise<void>((r) => (firstAck = r));
        client.stdout!.on("data", (d) => {
          keys += d;
          if (keys.includes("\n")) firstAck();
        });
        const done = new Promise((r) => client.once("exit", r));
        // Kill in the middle of the storm: once a PUT is acknowledged (a
        // loaded machine may take seconds to start the client), then a while.
        await Promise.race([acking, done, new Promise((r) => setTimeout(r, 60_000))]);
        await new Promise((r) => setTimeout(r, (slow ? 800 : 300) + round * 300));
        await stopTender();
        client.kill("SIGTERM"); // its requests in flight would wait for their timeout
        await done;
        const got = keys.split("\n").filter(Boolean);
        expect(got.length, `round ${round}: no PUT was acknowledged; kv said: ${guest!.output}`).toBeGreaterThan(0);
        acked.push(...got);
      }
      await boot(file);
      try {
        const r = ns.run(process.execPath, [CLIENT, "verify", "10.93.0.2"], acked.join("\n"), 100_000);
        const result = JSON.parse(r.stdout.toString()) as { checked: number; bad: string[] };
        console.log(
          `${target}: SIGKILL three times during PUTs: ${result.checked} acknowledged PUTs, ${result.bad.length} missing`,
        );
        expect(result.bad).toEqual([]);
        expect(result.checked).toBe(acked.length);
      } finally {
        await stopTender();
      }
    },
    180_000,
  );
});
