// --target rpi with a block device: the Raspberry Pi's SD card (the stub's
// sdhci.c and sdcard.c) on QEMU -M raspi3b, which tessera run gives the disk
// as the card. test/fixtures/block-io writes a pattern through the ABI's
// block calls, a second boot reads it back, and the disk file on the host
// holds it where every tender puts it; bad offsets and lengths get EINVAL.
// A card over 2 GiB (SDHC: block addresses) and one under (SDSC: byte
// addresses); a card with an MBR is written only in its partition of type
// 0xda, and one without such a partition is not used at all. kill -9 of
// QEMU loses no write the card acknowledged.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TESSERA, tessera } from "../helpers/cli.js";
import { waitForOutput } from "../helpers/netns.js";
import { command, firstMissing, need } from "../helpers/require.js";
import { buildFor, killTender } from "../helpers/targets.js";

const why = need(
  "the Raspberry Pi SD card tests on QEMU -M raspi3b",
  firstMissing(
    () => command("aarch64-linux-gnu-gcc"),
    () => command("qemu-system-aarch64"),
  ),
);

let dir = "";
let image = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-rpi-sd-"));
  if (!why) image = buildFor("test/fixtures/block-io", "rpi", dir);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Byte `j` of block `i` as block-io writes it under `seed` (the first 8 bytes are the block's number). */
function expectedBlock(i: number, bs: number, seed: number): Buffer {
  const b = Buffer.alloc(bs);
  for (let j = 0; j < bs; j++) b[j] = (i * 131 + j * 7 + seed) & 0xff;
  b.writeBigInt64LE(BigInt(i), 0);
  return b;
}

function readAt(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

function disk(name: string, size: string, blockSize: number): string {
  const file = join(dir, name);
  const r = tessera(["disk", "create", file, size, "--block-size", String(blockSize)]);
  expect(r.status, r.stderr).toBe(0);
  return file;
}

function boot(file: string, args: string[]) {
  return tessera(["run", image, "--block", `storage=${file}`, "--", ...args]);
}

describe("a Raspberry Pi's SD card as the app's block device (QEMU -M raspi3b)", () => {
  test.skipIf(why !== null)(
    "a 64 MiB disk as the card (SDSC): 64 blocks written, read back on a second boot, in the file where the tenders put them; bad calls get EINVAL",
    () => {
      const file = disk("sdsc.img", "64M", 4096);
      const dry = tessera(["run", image, "--block", `storage=${file}`, "--dry-run"]);
      expect(dry.stdout).toContain(`-drive file=${file},if=sd,format=raw,size=67108864,cache=writethrough`);
      const w = boot(file, ["write=64", "seed=7"]);
      expect(w.stdout, w.stderr).toContain('tessera: block device "storage": the whole SD card, 64 MiB');
      expect(w.stdout).toContain("capacity=67108864 block_size=4096\nwrote 64\n");
      expect(w.status, w.stdout + w.stderr).toBe(0);
      const v = boot(file, ["verify=64", "seed=7"]);
      expect(v.stdout, v.stderr).toContain("verified 64\n");
      expect(v.status).toBe(0);
      for (const i of [0, 1, 33, 63]) expect(readAt(file, i * 4096, 4096).equals(expectedBlock(i, 4096, 7))).toBe(true);
      expect(readAt(file, 64 * 4096, 4096).equals(Buffer.alloc(4096))).toBe(true);
      // Another seed reads back as different data: the verify compares.
      const wrong = boot(file, ["verify=64", "seed=8"]);
      expect(wrong.stdout).toContain("block-io: blocks from 0 differ");
      expect(wrong.status).toBe(1);
      const bad = boot(file, ["bad"]);
      expect(bad.stdout, bad.stderr).toContain("bad: all refused");
      expect(bad.status).toBe(0);
    },
    120_000,
  );

  test.skipIf(why !== null)(
    "a 4 GiB disk as the card (SDHC: block addresses): block i lands at byte i * 512 of the file",
    () => {
      const file = disk("sdhc.img", "4G", 512);
      const r = boot(file, ["write=100", "verify=100", "seed=3"]);
      expect(r.stdout, r.stderr).toContain("the whole SD card, 4096 MiB");
      expect(r.stdout).toContain("capacity=4294967296 block_size=512\nwrote 100\nverified 100\n");
      expect(r.status).toBe(0);
      for (const i of [1, 99]) expect(readAt(file, i * 512, 512).equals(expectedBlock(i, 512, 3))).toBe(true);
    },
    120_000,
  );

  test.skipIf(why !== null)(
    "a card with an MBR: only its partition of type 0xda is the app's; without one the card is not used",
    () => {
      const file = disk("mbr.img", "64M", 4096);
      // A boot partition (FAT32, type 0x0c) at 1 MiB and a data partition (0xda) of 16 MiB at 8 MiB.
      const mbr = Buffer.alloc(512);
      const entry = (k: number, type: number, first: number, count: number) => {
        mbr[446 + 16 * k + 4] = type;
        mbr.writeUInt32LE(first, 446 + 16 * k + 8);
        mbr.writeUInt32LE(count, 446 + 16 * k + 12);
      };
      entry(0, 0x0c, 2048, 8192);
      entry(1, 0xda, 16384, 32768);
      mbr[510] = 0x55;
      mbr[511] = 0xaa;
      const fd = openSync(file, "r+");
      writeSync(fd, mbr, 0, 512, 0);
      closeSync(fd);
      const r = boot(file, ["write=16", "seed=5"]);
      expect(r.stdout, r.stderr).toContain(`block device "storage": the SD card's partition of type 0xda, 16 MiB`);
      expect(r.stdout).toContain("capacity=16777216 block_size=4096\nwrote 16\n");
      expect(r.status).toBe(0);
      expect(readAt(file, 0, 512).equals(mbr)).toBe(true);
      // Nothing between the table and the data partition (the boot partition's 4 MiB among it) was written.
      expect(readAt(file, 512, (8 << 20) - 512).equals(Buffer.alloc((8 << 20) - 512))).toBe(true);
      for (const i of [0, 15])
        expect(readAt(file, (8 << 20) + i * 4096, 4096).equals(expectedBlock(i, 4096, 5))).toBe(true);

      // The same table without the data partition: nothing is written, and the console says why.
      entry(1, 0, 0, 0);
      const fd2 = openSync(file, "r+");
      writeSync(fd2, mbr, 0, 512, 0);
      closeSync(fd2);
      const before = readAt(file, 0, 16 << 20);
      const none = boot(file, ["write=16", "seed=6"]);
      expect(none.stdout).toContain("the SD card has a partition table but no partition of type 0xda");
      expect(none.stdout).toContain("block-io: acquire: got");
      expect(none.status).toBe(1);
      expect(readAt(file, 0, 16 << 20).equals(before)).toBe(true);
    },
    120_000,
  );

  test.skipIf(why !== null)(
    "kill -9 of QEMU while the app writes: every block whose write and flush it saw acknowledged is in the file",
    async () => {
      const file = disk("storm.img", "64M", 4096);
      const child = spawn(process.execPath, [
        TESSERA,
        "run",
        image,
        "--block",
        `storage=${file}`,
        "--",
        "storm=16384",
        "seed=9",
      ]);
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      const going = await waitForOutput(child, /acked 300\n/, 60_000);
      expect(going, out).toBe(true);
      await killTender(child, image);
      const acked = [...out.matchAll(/^acked (\d+)$/gm)].map((m) => Number(m[1]));
      const last = acked[acked.length - 1];
      expect(last, out.slice(-500)).toBeGreaterThanOrEqual(300);
      expect(last, "QEMU was killed before the app was done").toBeLessThan(16383);
      expect(acked).toEqual([...Array(last + 1).keys()]);
      const blocks = readAt(file, 0, (last + 1) * 4096);
      const lost = acked.filter((i) => !blocks.subarray(i * 4096, (i + 1) * 4096).equals(expectedBlock(i, 4096, 9)));
      expect(lost, `acknowledged blocks missing from the file after kill -9 (of ${last + 1})`).toEqual([]);
    },
    120_000,
  );

  test.skipIf(why !== null)(
    "an image with a net device: one line, since the board has no network here",
    () => {
      const pinger = buildFor("test/fixtures/udp-ping", "rpi", dir);
      const r = tessera(["run", pinger, "--net", "service=user"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^tessera: the image needs net device "\w+": an rpi image has no network \(QEMU's raspi3b has no virtio, and networking on boards is not done\)\n$/,
      );
    },
    120_000,
  );

  test.skipIf(why !== null)("a disk QEMU cannot take as an SD card: one line that says what to do", () => {
    const file = disk("odd.img", "96M", 4096);
    const r = boot(file, ["write=1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `tessera: --block storage=${file}: an SD card's size is a power of two of at least 1 MiB, and this disk holds 100663296 bytes of blocks (create one with: tessera disk create FILE 64M)\n`,
    );
  });
});
