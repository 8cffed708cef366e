// The shared suite, part 2: examples/echo against the Linux kernel through a
// TAP device in a namespace this test makes, on every target: ping (small and
// fragmented), UDP echo, ICMP port unreachable, and TCP transfers both ways
// that must arrive byte-identical and close cleanly. On hvt, where KVM here
// emulates the guest, the transfers are small.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sourceHash } from "../helpers/echo-source.js";
import { BackgroundTessera, netnsMissing, TapNamespace, tcpPeer } from "../helpers/netns.js";
import { need, type Missing } from "../helpers/require.js";
import { buildFor, killTender, slowCalls, suiteTargets, type Target } from "../helpers/targets.js";

const netns = netnsMissing(["ping", "nc"]);

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-suite-echo-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(suiteTargets({ virtio: true }))("on %s", (target: Target, missing: Missing) => {
  const why = need(`the echo suite on ${target}`, netns ?? missing);
  const slow = slowCalls(target);
  const bulk = slow ? 256 * 1024 : 64 << 20;
  let ns: TapNamespace;
  let image = "";
  let guest: BackgroundTessera | null = null;

  beforeAll(() => {
    if (why) return;
    image = buildFor("examples/echo", target, join(dir, target));
    ns = new TapNamespace(`tessera-echo-${target}-${process.pid}`, "tse0", "10.98.0.1/24");
    guest = new BackgroundTessera(["run", image, "--net", "service=tap:tse0", "--", "ip=10.98.0.2/24", "msl=250"], {
      netns: ns.name,
    });
    expect(ns.waitForPing("10.98.0.2", 30), `the unikernel never answered a ping; it said: ${guest.output}`).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await killTender(guest?.child ?? null, image);
    ns?.destroy();
  });

  /** Waits (at most `ms`) until the unikernel has printed a line matching `pattern`. */
  async function guestSays(pattern: RegExp, ms = 10_000): Promise<void> {
    expect(await guest!.waitFor(pattern, ms), guest!.output).toBe(true);
  }

  test.skipIf(why !== null)("Linux pings the unikernel: every reply comes back", () => {
    const r = ns.run("ping", ["-c", "5", "-i", "0.2", "-W", "2", "10.98.0.2"]);
    expect(r.stdout.toString()).toMatch(/5 packets transmitted, 5 received/);
  });

  test.skipIf(why !== null)("large pings arrive as IPv4 fragments, are reassembled, and come back fragmented", () => {
    const before = ns.ipCounters();
    const r = ns.run("ping", ["-c", "3", "-i", "0.3", "-W", "3", "-s", "3000", "10.98.0.2"]);
    const after = ns.ipCounters();
    expect(r.stdout.toString()).toMatch(/3 packets transmitted, 3 received/);
    expect(r.stdout.toString()).toMatch(/3008 bytes from 10\.98\.0\.2/);
    // Linux's own counters: it sent each request in fragments (FragOKs), and
    // each reply came back in fragments that it reassembled (ReasmOKs), three
    // of them at least (two fragments each at an MTU of 1500).
    const sent = after.FragOKs - before.FragOKs;
    const reassembled = after.ReasmOKs - before.ReasmOKs;
    const fragments = after.ReasmReqds - before.ReasmReqds;
    const counters = JSON.stringify({ sent, reassembled, fragments });
    expect(sent, counters).toBeGreaterThanOrEqual(3);
    expect(reassembled, counters).toBeGreaterThanOrEqual(3);
    expect(fragments, counters).toBeGreaterThanOrEqual(6);
    expect(after.ReasmFails - before.ReasmFails, counters).toBe(0);
  });

  test.skipIf(why !== null)("nc -u gets every byte back, byte-identical", () => {
    const payload = randomBytes(900).toString("base64");
    const r = ns.run("nc", ["-u", "-w", "2", "10.98.0.2", "7"], payload + "\n");
    expect(r.stdout.toString()).toBe(payload + "\n");
  });

  test.skipIf(why !== null)("a datagram to a port nobody listens on is answered with ICMP port unreachable", () => {
    const client = `
      const s = require("node:dgram").createSocket("udp4");
      s.on("error", (e) => { console.log(e.code); process.exit(0); });
      s.connect(9, "10.98.0.2", () => {
        s.send("anyone?");
        setTimeout(() => s.send("anyone?"), 500);
        setTimeout(() => { console.log("no error"); process.exit(0); }, 4000);
      });`;
    const r = ns.run(process.execPath, ["-e", client]);
    expect(r.stdout.toString().trim()).toBe("ECONNREFUSED");
  });

  test.skipIf(why !== null)(
    `TCP: ${bulk} bytes to the echo port come back byte-identical, then EOF on both sides`,
    async () => {
      const r = await tcpPeer(ns.name, "echo", "10.98.0.2", 7, bulk, 150_000);
      console.log(
        `${target}: tcp echo of ${bulk} bytes in ${r.ms} ms, ${(bulk / 1e6 / (r.ms / 1000)).toFixed(1)} MB/s each way`,
      );
      expect(r.error).toBeNull();
      expect(r.eof).toBe(true);
      expect(r.received).toBe(bulk);
      expect(r.recvHash).toBe(r.sentHash);
      await guestSays(new RegExp(`tcp 7: 10\\.98\\.0\\.1:\\d+ closed \\(normal\\), ${bulk} bytes in, ${bulk} out\\n`));
    },
    160_000,
  );

  test.skipIf(why !== null)(
    `TCP: Linux sends ${bulk} bytes to discard; the unikernel's CRC-32 matches`,
    async () => {
      const r = await tcpPeer(ns.name, "discard", "10.98.0.2", 9, bulk, 150_000);
      expect(r.error).toBeNull();
      expect(r.sent).toBe(bulk);
      await guestSays(new RegExp(`crc32 ${r.sentCrc}`));
    },
    160_000,
  );

  test.skipIf(why !== null)(
    `TCP: the unikernel sends ${bulk} bytes and closes first; Linux gets them all, then EOF`,
    async () => {
      const r = await tcpPeer(ns.name, "source", "10.98.0.2", 19, bulk, 150_000);
      expect(r.error).toBeNull();
      expect(r.eof).toBe(true);
      expect(r.received).toBe(bulk);
      expect(r.recvHash).toBe(sourceHash(bulk));
      await guestSays(new RegExp(`tcp 19: 10\\.98\\.0\\.1:\\d+ closed \\(normal\\), \\d+ bytes in, ${bulk} out\\n`));
    },
    160_000,
  );
});
