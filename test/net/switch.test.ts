// The switch backend end to end: `tessera switch` as its own process, and
// unikernels as `tessera run` processes joined to it with --net
// service=switch:NAME. Without root: a WAT guest asks an echo unikernel for
// its MAC address with ARP, guest to guest. With root: two echo unikernels and
// a Linux TAP device on one switch, in a network namespace this test makes;
// Linux pings both and gets UDP echo from both.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { arpProbeGuest, guest } from "../../targets/node/test/guest.js";
import { tessera } from "../helpers/cli.js";
import { BackgroundTessera, netnsMissing, TapNamespace } from "../helpers/netns.js";
import { need, tapHelper } from "../helpers/require.js";

const noHelper = need("the switch tests", tapHelper());
const noRoot = noHelper ?? need("the switch tests with a Linux TAP peer", netnsMissing(["ping", "nc"]));

const NET = '{"version":1,"devices":[{"name":"service","kind":"net"}]}';
let dir = "";
let env: Record<string, string> = {};
let echo = "";
const started: BackgroundTessera[] = [];

/** Starts `tessera ARGS...` in the background, to be stopped after the tests. */
function background(args: string[], netns?: string): BackgroundTessera {
  const b = new BackgroundTessera(args, { env, netns });
  started.push(b);
  return b;
}

/** Starts switch `name` (with `--tap`, in `netns`, if given) and waits until it listens. */
async function startSwitch(name: string, tapArgs: string[] = [], netns?: string): Promise<BackgroundTessera> {
  const sw = background(["switch", name, ...tapArgs], netns);
  expect(await sw.waitFor(/listening on /), `the switch did not start; it said: ${sw.output}`).toBe(true);
  return sw;
}

/** Starts examples/echo at `cidr` on switch `name` and waits until the switch has the port. */
async function startEcho(
  sw: BackgroundTessera,
  name: string,
  cidr: string,
  netns?: string,
): Promise<BackgroundTessera> {
  const ports = (sw.output.match(/joined/g) ?? []).length;
  const e = background(["run", echo, "--net", `service=switch:${name}`, "--", `ip=${cidr}`], netns);
  const joined = new RegExp(`(joined[^]*){${ports + 1}}`);
  expect(await sw.waitFor(joined), `the unikernel did not join: ${e.output}`).toBe(true);
  return e;
}

beforeAll(() => {
  if (noHelper) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-switch-"));
  env = { XDG_RUNTIME_DIR: dir };
  process.env.XDG_RUNTIME_DIR = dir; // for tessera() too: this file runs in a process of its own
  const built = tessera(["build", "examples/echo", "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  echo = join(dir, "echo.wasm");
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ARP_GUEST = arpProbeGuest("10.96.0.9", "10.96.0.3");

describe.skipIf(noHelper !== null)("unikernels on a switch, no root needed", () => {
  test("a guest asks an echo unikernel for its MAC with ARP and the reply comes back to it alone", async () => {
    const sw = await startSwitch("g2g");
    await startEcho(sw, "g2g", "10.96.0.3/24");
    const bystander = background(["run", echo, "--net", "service=switch:g2g", "--", "ip=10.96.0.4/24"]);
    expect(await sw.waitFor(/(joined[^]*){2}/)).toBe(true);
    const image = join(dir, "arp.wasm");
    writeFileSync(image, guest(ARP_GUEST, { manifest: NET }));
    const r = await new Promise<{ status: number | null; out: Buffer }>((resolve) => {
      const b = background(["run", image, "--net", "service=switch:g2g"]);
      const chunks: Buffer[] = [];
      b.child.stdout!.on("data", (d: Buffer) => chunks.push(d));
      b.child.on("exit", (status) => resolve({ status, out: Buffer.concat(chunks) }));
    });
    expect(r.status, sw.output).toBe(0);
    expect(r.out.length).toBe(18);
    const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
    const mine = hex(r.out.subarray(0, 6));
    expect(hex(r.out.subarray(12, 18))).toBe(mine); // the reply was addressed to this guest
    expect(hex(r.out.subarray(6, 12))).not.toBe(mine);
    expect(hex(r.out.subarray(6, 12))).toMatch(/^[0-9a-f][26ae]:/); // the echo unikernel's tender-given MAC
    expect(bystander.output).toBe("");
  });

  test("two unikernels on one switch ping each other and exchange UDP, fragmented datagrams too", async () => {
    const sw = await startSwitch("u2u");
    await startEcho(sw, "u2u", "10.96.1.2/24");
    const built = tessera(["build", "examples/ping", "-o", dir]);
    expect(built.status, built.stderr).toBe(0);
    const run = (args: string[]) =>
      new Promise<{ status: number | null; out: string }>((resolve) => {
        const b = background(["run", ...args]);
        let out = "";
        b.child.stdout!.on("data", (d: Buffer) => (out += d));
        b.child.on("exit", (status) => resolve({ status, out }));
      });
    const ping = await run([
      join(dir, "ping.wasm"),
      "--net",
      "service=switch:u2u",
      "--",
      "ip=10.96.1.3/24",
      "host=10.96.1.2",
      "count=5",
      "interval=50",
    ]);
    expect(ping.out).toContain("5 sent, 5 received\n");
    expect(ping.status).toBe(0);
    for (const size of ["64", "3000"]) {
      const udp = await run([
        echo,
        "--net",
        "service=switch:u2u",
        "--",
        "ip=10.96.1.4/24",
        "send=10.96.1.2",
        "count=20",
        `size=${size}`,
      ]);
      expect(udp.out).toBe("20 sent to 10.96.1.2, 20 echoed\n");
      expect(udp.status).toBe(0);
    }
  });

  test("a tender told to join a switch that is not running says how to start one", () => {
    const image = join(dir, "plain.wasm");
    writeFileSync(image, guest(`(module (memory (export "memory") 1) (func (export "_start")))`, { manifest: NET }));
    const r = tessera(["run", image, "--net", "service=switch:nosuch"]);
    expect(r.stderr).toBe(
      'tessera: --net service=switch:nosuch: no switch "nosuch" is running (start one with: tessera switch nosuch)\n',
    );
    expect(r.status).toBe(1);
  });

  test("bad switch names and a second switch of one name are refused in one line", async () => {
    const bad = tessera(["switch", "../up"]);
    expect(bad.stderr).toMatch(/^tessera: "\.\.\/up" is not a switch name \(.*\)\n$/);
    expect(bad.status).toBe(1);
    await startSwitch("once");
    const r = tessera(["switch", "once"]);
    expect(r.stderr).toMatch(/^tessera: a switch "once" is already running \(its socket: .*once\.sock\)\n$/);
  });

  test.each([
    [["--loss", "3"], "--loss 3: give a percentage from 0% to 100%, such as 3% or 0.5%"],
    [["--reorder=101%"], "--reorder 101%: give a percentage from 0% to 100%, such as 3% or 0.5%"],
    [["--delay", "1"], "--delay 1: give a time from 0 to 10s with its unit, such as 1ms, 250us or 0.5s"],
    [["--seed", "x"], "--seed x: give a whole number from 0 to 4294967295"],
  ])("bad impairment %j is refused in one line", (args, message) => {
    const r = tessera(["switch", "imp", ...args]);
    expect(r.stderr).toBe(`tessera: ${message}\n`);
    expect(r.status).toBe(2);
  });

  test("an impaired switch says what it does, and prints its counters on SIGUSR1 and on exit", async () => {
    const sw = background(["switch", "imp", "--loss", "3%", "--delay", "1ms", "--seed", "7"]);
    expect(await sw.waitFor(/impairment: loss 3%, reorder 0%, duplicate 0%, delay 1ms, seed 7\n/), sw.output).toBe(
      true,
    );
    sw.child.kill("SIGUSR1");
    expect(await sw.waitFor(/switch imp: frames received 0, .*; impairment: offered 0, lost 0, /), sw.output).toBe(
      true,
    );
    await sw.stop();
    expect(sw.output).toMatch(/switch imp: stopped; frames received 0, .*; impairment: offered 0, /);
  });
});

describe.skipIf(noRoot !== null)("two unikernels and Linux on one switch", () => {
  let ns: TapNamespace;

  beforeAll(async () => {
    ns = new TapNamespace(`tessera-sw-${process.pid}`, "tsr2", "10.96.0.1/24");
    const sw = await startSwitch("lan", ["--tap", "tsr2"], ns.name);
    const a = await startEcho(sw, "lan", "10.96.0.2/24", ns.name);
    const b = await startEcho(sw, "lan", "10.96.0.3/24", ns.name);
    for (const [addr, e] of [
      ["10.96.0.2", a],
      ["10.96.0.3", b],
    ] as const)
      expect(
        ns.waitForPing(addr),
        `${addr} never answered a ping; it said: ${e.output}; the switch: ${sw.output}`,
      ).toBe(true);
  }, 90_000);

  afterAll(() => ns?.destroy());

  test.each(["10.96.0.2", "10.96.0.3"])("Linux pings %s: every reply comes back", (addr) => {
    const r = ns.run("ping", ["-c", "5", "-i", "0.2", "-W", "2", addr]);
    expect(r.stdout.toString()).toMatch(/5 packets transmitted, 5 received/);
  });

  test.each(["10.96.0.2", "10.96.0.3"])("nc -u gets every byte back from %s", (addr) => {
    const payload = randomBytes(600).toString("base64");
    const r = ns.run("nc", ["-u", "-w", "1", addr, "7"], payload + "\n");
    expect(r.stdout.toString()).toBe(payload + "\n");
  });

  test("both unikernels answer at once, each from its own MAC", () => {
    const r = ns.run("sh", ["-c", "ping -c 3 -i 0.2 -W 2 10.96.0.2 & ping -c 3 -i 0.2 -W 2 10.96.0.3; wait"]);
    expect(r.stdout.toString().match(/3 packets transmitted, 3 received/g)).toHaveLength(2);
    const neigh = ns.ip("neigh", "show", "dev", "tsr2");
    const mac = (addr: string) => neigh.match(new RegExp(`${addr.replace(/\./g, "\\.")} lladdr (\\S+)`))?.[1];
    expect(mac("10.96.0.2")).toBeDefined();
    expect(mac("10.96.0.3")).toBeDefined();
    expect(mac("10.96.0.2")).not.toBe(mac("10.96.0.3"));
  });
});
