/**
 * `tessera run` of an rpi image: QEMU -M raspi3b boots it with -kernel and a
 * device tree written here (QEMU makes none for the board), the console on
 * the PL011, the exit status through Arm semihosting as for virtio-aarch64.
 *
 * The board has no virtio: the app's one block device is its SD card.
 * `--block NAME=FILE` gives QEMU the disk's blocks (not its label) as the
 * card, written through (cache=writethrough: a write the card has taken is
 * in the file, as a real card has it once it is no longer busy). QEMU's SD
 * cards are a power of two bytes, so the disk's capacity must be one.
 *
 * @module
 */
import { CliError } from "../errors.js";
import { QEMU_CONSOLE, qemuValue } from "./qemu-args.js";

/** The SD card: a Tessera disk, as run-virtio.ts's virtioDevices reads it. */
export interface SdCard {
  name: string;
  file: string;
  capacity: bigint;
  blockSize: number;
}

/** The one block device of an rpi image's devices, or null; a CliError if there is more than the board has. */
export function sdCardOf(devices: readonly { kind: string }[] | undefined): SdCard | null {
  const blocks = (devices ?? []).filter((d) => d.kind === "block") as unknown as SdCard[];
  return blocks[0] ?? null;
}

/** Refuses an image with a net device: the board has no network here. */
export function refuseNetwork(manifest: { devices: { kind: string; name: string }[] }): void {
  const net = manifest.devices.find((d) => d.kind === "net");
  if (net)
    throw new CliError(
      `the image needs net device "${net.name}": an rpi image has no network (QEMU's raspi3b has no virtio, and networking on boards is not done)`,
    );
}

/** The image's block devices for the board: at most one, a disk whose capacity QEMU takes as an SD card. */
export function checkSdCard(
  manifest: { devices: { kind: string; name: string }[] },
  read: (name: string) => SdCard,
): SdCard[] {
  const blocks = manifest.devices.filter((d) => d.kind === "block");
  if (blocks.length > 1)
    throw new CliError(
      `the image has ${blocks.length} block devices; an rpi image has one, the board's SD card (${blocks.map((b) => b.name).join(", ")})`,
    );
  return blocks.map((b) => {
    const sd = read(b.name);
    const c = sd.capacity;
    if (c < 1n << 20n || (c & (c - 1n)) !== 0n)
      throw new CliError(
        `--block ${b.name}=${sd.file}: an SD card's size is a power of two of at least 1 MiB, and this disk holds ${c} bytes of blocks (create one with: tessera disk create FILE 64M)`,
      );
    return sd;
  });
}

/** QEMU's arguments for an rpi image on -M raspi3b, its device tree in `dtb`. */
export function raspi3bArgs(file: string, cmdline: string[], sd: SdCard | null, dtb: string): string[] {
  // The board as QEMU has it: 1 GiB, a Cortex-A53, the PL011 as the first serial port, the SD card on the EMMC host.
  const args = ["-M", "raspi3b", "-m", "1G", ...QEMU_CONSOLE, "-semihosting-config", "enable=on,target=native"];
  if (sd) args.push("-drive", `file=${qemuValue(sd.file)},if=sd,format=raw,size=${sd.capacity},cache=writethrough`);
  args.push("-dtb", dtb, "-kernel", file);
  if (cmdline.length) args.push("-append", cmdline.join(" "));
  return args;
}

/**
 * A flattened device tree (version 17) for QEMU -M raspi3b, which makes none:
 * the root's cells, /chosen (QEMU writes -append into bootargs), /memory
 * (QEMU writes its size), the PL011, the BCM2836 local interrupt controller,
 * the EMMC host and the GPIO block at the addresses the CPU sees, as the rpi
 * stub reads them; with an SD card, the disk's block size on the EMMC host
 * (tessera,block-size), which the stub gives the app.
 */
export function raspi3bDtb(sd: SdCard | null): Uint8Array {
  const strings: number[] = [];
  const offsets = new Map<string, number>();
  const nameOff = (name: string) => {
    if (!offsets.has(name)) {
      offsets.set(name, strings.length);
      strings.push(...Buffer.from(name), 0);
    }
    return offsets.get(name)!;
  };
  const struct: number[] = [];
  const u32 = (v: number) => struct.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  const pad = () => {
    while (struct.length % 4) struct.push(0);
  };
  const begin = (name: string) => {
    u32(1);
    struct.push(...Buffer.from(name), 0);
    pad();
  };
  const prop = (name: string, value: Uint8Array) => {
    u32(3);
    u32(value.length);
    u32(nameOff(name));
    struct.push(...value);
    pad();
  };
  const cells = (...v: number[]) => {
    const b = Buffer.alloc(4 * v.length);
    v.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i));
    return b;
  };
  const str = (v: string) => Buffer.from(`${v}\0`);
  begin("");
  prop("#address-cells", cells(1));
  prop("#size-cells", cells(1));
  prop("compatible", str("raspberrypi,3-model-b"));
  begin("chosen");
  prop("bootargs", str(""));
  u32(2);
  begin("memory");
  prop("device_type", str("memory"));
  prop("reg", cells(0, 0x3c000000));
  u32(2);
  // A device: its node, compatible string and one register range (the node is left open for more).
  const device = (node: string, compatible: string, base: number, size: number) => {
    begin(`${node}@${base.toString(16)}`);
    prop("compatible", str(compatible));
    prop("reg", cells(base, size));
  };
  device("serial", "arm,pl011", 0x3f201000, 0x1000);
  u32(2);
  device("local_intc", "brcm,bcm2836-l1-intc", 0x40000000, 0x100);
  u32(2);
  device("gpio", "brcm,bcm2835-gpio", 0x3f200000, 0xb4);
  u32(2);
  device("mmc", "brcm,bcm2835-sdhci", 0x3f300000, 0x100);
  if (sd) prop("tessera,block-size", cells(sd.blockSize));
  u32(2);
  u32(2);
  u32(9);
  const header = 40;
  const rsvmap = 16;
  const total = header + rsvmap + struct.length + strings.length;
  const out = Buffer.alloc(total);
  [
    0xd00dfeed,
    total,
    header + rsvmap,
    header + rsvmap + struct.length,
    header,
    17,
    16,
    0,
    strings.length,
    struct.length,
  ].forEach((v, i) => out.writeUInt32BE(v, 4 * i));
  Buffer.from(struct).copy(out, header + rsvmap);
  Buffer.from(strings).copy(out, header + rsvmap + struct.length);
  return new Uint8Array(out);
}
