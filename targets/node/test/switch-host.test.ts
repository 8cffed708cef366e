// The virtual switch with real sockets, in this process: ports connect as a
// tender's switch backend does, and frames go where they should, and only
// there; a port that leaves is removed; a port that does not read loses
// frames (counted) without stopping the others; the tender's errors.
import { closeSync, existsSync, mkdtempSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { need, tapHelper } from "../../../test/helpers/require.js";
import { openNet } from "../src/net/backend.js";
import { loadNative, type Native } from "../src/net/native.js";
import { VirtualSwitch } from "../src/net/switch-host.js";
import { switchSocket } from "../src/net/switch-path.js";
import { openSwitchPort } from "../src/net/switch-port.js";

const built = need("the switch socket tests", tapHelper()) === null;

let dir = "";
let native: Native;
let running: { sw: VirtualSwitch; stop: AbortController; done: Promise<void> } | null = null;
const clients: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-switch-"));
  process.env.XDG_RUNTIME_DIR = dir;
  if (built) native = loadNative("test");
});

afterEach(async () => {
  for (const fd of clients.splice(0)) closeSync(fd);
  if (running) {
    running.stop.abort();
    await running.done;
    running.sw.close();
    running = null;
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(name: string): VirtualSwitch {
  const sw = VirtualSwitch.open({ name, pollMs: 2 });
  const stop = new AbortController();
  running = { sw, stop, done: sw.run(stop.signal) };
  return sw;
}

/** A port as a tender opens it, made non-blocking so that this thread (which runs the switch too) never blocks. */
function connect(name: string): number {
  const fd = openSwitchPort(`--net test=switch:${name}`, name);
  native.setNonBlocking(fd);
  clients.push(fd);
  return fd;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (1 s at most) until `cond` holds. */
async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(5);
  return cond();
}

/** Every frame that arrives at `fd` within `ms`. */
async function drain(fd: number, ms = 150): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  const buf = new Uint8Array(2048);
  const end = Date.now() + ms;
  for (;;) {
    try {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n > 0) got.push(buf.slice(0, n));
    } catch {
      if (Date.now() >= end) return got;
      await sleep(5);
    }
  }
}

function frame(dst: number, src: number, tag: number, size = 60): Uint8Array<ArrayBuffer> {
  const f = new Uint8Array(size);
  f.fill(dst === 0xff ? 0xff : 0, 0, 6);
  if (dst !== 0xff) f.set([2, 0, 0, 0, 0, dst], 0);
  f.set([2, 0, 0, 0, 0, src], 6);
  f[12] = 0x88;
  f[13] = 0xb5; // local experimental EtherType
  f[14] = tag;
  return f;
}

describe.skipIf(!built)("the switch over UNIX sockets", () => {
  it("floods a broadcast to the other ports, then sends a learned unicast reply to one port", async () => {
    const sw = start("flood");
    const [a, b, c] = [connect("flood"), connect("flood"), connect("flood")];
    expect(await until(() => sw.stats().ports === 3)).toBe(true);
    writeSync(a, frame(0xff, 0xa, 1));
    const [gotB, gotC] = await Promise.all([drain(b), drain(c)]);
    expect(gotB.map((f) => f[14])).toEqual([1]);
    expect(gotC.map((f) => f[14])).toEqual([1]);
    expect(gotB[0]).toEqual(frame(0xff, 0xa, 1)); // byte for byte, one frame per message
    writeSync(b, frame(0xa, 0xb, 2));
    const [gotA, gotA2, gotC2] = await Promise.all([drain(a), drain(b), drain(c)]);
    expect(gotA.map((f) => f[14])).toEqual([2]);
    expect(gotA2).toEqual([]); // not back to the sender
    expect(gotC2).toEqual([]); // not to the bystander
    expect(sw.stats()).toMatchObject({ received: 2, sent: 3, flooded: 1, unicast: 1, dropped: 0 });
  });

  it("removes a port that hangs up, with what it learned", async () => {
    const sw = start("leave");
    const [a, b] = [connect("leave"), connect("leave")];
    const c = openSwitchPort("--net test=switch:leave", "leave");
    expect(await until(() => sw.stats().ports === 3)).toBe(true);
    writeSync(c, frame(0xff, 0xc, 1));
    await Promise.all([drain(a), drain(b)]);
    closeSync(c);
    expect(await until(() => sw.stats().ports === 2)).toBe(true);
    writeSync(a, frame(0xc, 0xa, 2)); // to the address that was on the port that left: flooded to b only
    expect((await drain(b)).map((f) => f[14])).toEqual([2]);
    expect(sw.stats().sent).toBe(3);
  });

  it("drops and counts frames for a port that does not read, and keeps serving the others", async () => {
    const sw = start("full");
    const [a, idle, b] = [connect("full"), connect("full"), connect("full")];
    expect(await until(() => sw.stats().ports === 3)).toBe(true);
    writeSync(b, frame(0xff, 0xb, 0)); // the switch learns b
    await drain(a);
    const sent = 600; // full-size frames: more than an idle port's socket buffer holds
    for (let i = 0; i < sent; i++) {
      try {
        writeSync(a, frame(0xff, 0xa, i & 0xff, 1514));
      } catch {
        await sleep(5); // our own queue to the switch is full: let it run
        i--;
      }
      if (i % 8 === 0) await drain(b, 1);
    }
    await until(() => sw.stats().received === sent + 1);
    await drain(b, 50);
    const s = sw.stats();
    expect(s.received).toBe(sent + 1);
    expect(s.dropped).toBeGreaterThan(0); // the idle port's queue filled up
    expect(s.sent + s.dropped).toBe(2 + 2 * sent); // every copy was sent or counted as dropped
    expect(s.ports).toBe(3);
    const buf = new Uint8Array(2048);
    expect(readSync(idle, buf, 0, buf.length, null)).toBe(60); // what it did get is whole frames
    expect(readSync(idle, buf, 0, buf.length, null)).toBe(1514);
  });

  it("refuses a second switch of the same name, and takes over a stale socket", async () => {
    start("twice");
    expect(() => VirtualSwitch.open({ name: "twice" })).toThrow(
      /^a switch "twice" is already running \(its socket: .*twice\.sock\)$/,
    );
    closeSync(native.listenSeqpacket(switchSocket("stale"))); // what a killed switch leaves: nobody answers
    const sw = VirtualSwitch.open({ name: "stale" });
    sw.close();
    expect(existsSync(switchSocket("stale"))).toBe(false);
  });

  it("refuses bad switch names in one line", () => {
    expect(() => VirtualSwitch.open({ name: "../etc" })).toThrow(
      '"../etc" is not a switch name (1-32 of A-Z a-z 0-9 _ . -, not starting with . or -)',
    );
    expect(() => openNet("service", "switch:")).toThrow('--net service=switch:: "" is not a switch name');
    expect(() => openNet("service", "switch:a/b")).toThrow('--net service=switch:a/b: "a/b" is not a switch name');
  });

  it("tells a tender that the switch is not running, and how to start it", () => {
    expect(() => openNet("service", "switch:lan")).toThrow(
      '--net service=switch:lan: no switch "lan" is running (start one with: tessera switch lan)',
    );
  });
});
