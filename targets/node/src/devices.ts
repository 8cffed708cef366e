// Devices: the manifest against the --net/--block options, and the handle table.
import { MAX_HANDLE } from "@tessera/abi";
import type { Device, Manifest } from "@tessera/image";
import { TenderError } from "./errors.js";

const HINT = { net: "tap:IFNAME", block: "FILE" } as const;

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
  // The manifest and the options agree; now the backends, of which there are none yet.
  const d = manifest.devices[0];
  if (d) {
    throw new TenderError(
      `--${d.kind} ${d.name}=${given[d.kind][d.name]}: this tender has no ${d.kind} backends yet, so it cannot run images with ${d.kind} devices`,
    );
  }
}

/** Acquired devices by handle. Backends are not implemented yet: acquiring a manifest device fails with EUNSPEC. */
export class DeviceTable {
  private readonly handles = new Map<number, Device>();

  constructor(private readonly manifest: Manifest) {}

  /** The manifest device called `name` of `kind`, or null. */
  find(name: string, kind: Device["kind"]): Device | null {
    return this.manifest.devices.find((d) => d.name === name && d.kind === kind) ?? null;
  }

  /** True if `name` is already acquired. */
  acquired(name: string): boolean {
    return [...this.handles.values()].some((d) => d.name === name);
  }

  /** True if handle `h` is acquired and of `kind`. */
  owns(h: number, kind: string): boolean {
    return h <= MAX_HANDLE && this.handles.get(h)?.kind === kind;
  }
}
