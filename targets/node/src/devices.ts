// Devices: the manifest against the --net/--block options, and the handle table.
import { MAX_HANDLE } from "@tessera/abi";
import type { Device, Manifest } from "@tessera/image";
import { TenderError } from "./errors.js";
import type { Disk } from "./block/disk.js";
import type { NetDevice } from "./net/device.js";

const HINT = { net: "tap:IFNAME (or switch:SWITCH, or user)", block: "FILE" } as const;

function describe(devices: Device[]): string {
  return devices.length === 0 ? "none" : devices.map((d) => `${d.name} (${d.kind})`).join(", ");
}

/**
 * Refuse to start unless every manifest device is given, with the right kind,
 * and nothing else is given. Throws a TenderError naming the flag to use.
 */
export function checkDevices(manifest: Manifest, net: Record<string, string>, block: Record<string, string>): void {
  const given = { net, block };
  for (const kind of ["net", "block"] as const) {
    for (const [name, value] of Object.entries(given[kind])) {
      if (!manifest.devices.some((d) => d.name === name && d.kind === kind)) {
        throw new TenderError(
          `--${kind} ${name}=${value}: the image has no ${kind} device "${name}" (its devices: ${describe(manifest.devices)})`,
        );
      }
    }
  }
  for (const d of manifest.devices) {
    if (!Object.hasOwn(given[d.kind], d.name)) {
      throw new TenderError(
        `the image needs ${d.kind} device "${d.name}": give it with --${d.kind} ${d.name}=${HINT[d.kind]}`,
      );
    }
  }
}

/** A device the guest has acquired. */
export type Acquired = { kind: "net"; net: NetDevice } | { kind: "block"; disk: Disk };

/** The devices by handle: what the host opened, and what the guest has acquired. */
export class DeviceTable {
  private readonly handles = new Map<number, Acquired & { name: string }>();

  constructor(
    private readonly manifest: Manifest,
    /** Opened net devices by manifest name. */
    readonly net: Map<string, NetDevice> = new Map(),
    /** Opened disks by manifest name. */
    readonly disks: Map<string, Disk> = new Map(),
  ) {}

  /** The manifest device called `name` of `kind`, or null. */
  find(name: string, kind: Device["kind"]): Device | null {
    return this.manifest.devices.find((d) => d.name === name && d.kind === kind) ?? null;
  }

  /** True if `name` is already acquired. */
  acquired(name: string): boolean {
    return [...this.handles.values()].some((d) => d.name === name);
  }

  /** Gives the net device `name` the lowest free handle; null if none is free or it was not opened. */
  acquireNet(name: string): { handle: number; device: NetDevice } | null {
    const device = this.net.get(name);
    if (!device) return null;
    const handle = this.take({ kind: "net", net: device, name });
    return handle === null ? null : { handle, device };
  }

  /** Gives the disk of block device `name` the lowest free handle; null if none is free or it was not opened. */
  acquireBlock(name: string): { handle: number; disk: Disk } | null {
    const disk = this.disks.get(name);
    if (!disk) return null;
    const handle = this.take({ kind: "block", disk, name });
    return handle === null ? null : { handle, disk };
  }

  private take(device: Acquired & { name: string }): number | null {
    for (let h = 0; h <= MAX_HANDLE; h++) {
      if (this.handles.has(h)) continue;
      this.handles.set(h, device);
      return h;
    }
    return null;
  }

  /** The disk behind handle `h` (the guard has checked that it is a block device). */
  diskAt(h: number): Disk {
    const a = this.handles.get(h);
    if (!a || a.kind !== "block") throw new Error(`handle ${h} is not a block device`);
    return a.disk;
  }

  /** The net device behind handle `h` (the guard has checked that it is one). */
  netAt(h: number): NetDevice {
    const a = this.handles.get(h);
    if (!a || a.kind !== "net") throw new Error(`handle ${h} is not a net device`);
    return a.net;
  }

  /** The ready set of the acquired net devices: bit h for each with frames waiting. */
  netReady(): bigint {
    let set = 0n;
    for (const [h, a] of this.handles) if (a.kind === "net" && a.net.ring.waiting > 0) set |= 1n << BigInt(h);
    return set;
  }

  /** True if handle `h` is acquired and of `kind`. */
  owns(h: number, kind: string): boolean {
    return h <= MAX_HANDLE && this.handles.get(h)?.kind === kind;
  }
}
