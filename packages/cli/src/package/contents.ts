/**
 * What is in a Tessera container image: the static tessera-spt at
 * /tessera-spt, the native image at /NAME.spt, a /data volume for its disks;
 * the entrypoint that runs the one on the other, and the labels and ports
 * that describe it. The entrypoint is the tender's whole configuration: it
 * ends with `--`, so the words after the image name in `docker run` become
 * the guest's command line.
 *
 * @module
 */
import type { NativeImage } from "@tessera/image";
import type { ImageSpec } from "@tessera/oci";
import { CliError } from "../errors.js";
import type { PackageSettings } from "./settings.js";

/** Where the disks live in the container: a volume. */
export const DATA_DIR = "/data";
/** Where the tender is. */
export const TENDER_PATH = "/tessera-spt";
/** The labels' prefix. */
export const LABEL = "org.tessera";

/** The inputs of an image: the native image, its name and bytes, the static tender's bytes, the settings. */
export interface Contents {
  file: string;
  name: string;
  image: NativeImage;
  bytes: Uint8Array;
  tender: Uint8Array;
  settings: PackageSettings;
  /** The tessera version that packages it. */
  version: string;
}

/** The image spec of `c`, and notes for the person packaging it (one line each). */
export function imageSpec(c: Contents): { spec: ImageSpec; notes: string[] } {
  const { image, settings } = c;
  const notes: string[] = [];
  const blocks = image.manifest.devices.filter((d) => d.kind === "block").map((d) => d.name);
  const nets = image.manifest.devices.filter((d) => d.kind === "net").map((d) => d.name);
  for (const name of settings.disks.keys())
    if (!blocks.includes(name))
      throw new CliError(
        `package: --disk ${name}: ${c.file} has no block device "${name}" (its block devices: ${blocks.join(", ") || "none"})`,
        2,
      );
  const missing = blocks.find((b) => !settings.disks.has(b));
  if (missing !== undefined)
    throw new CliError(
      `package: ${c.file} opens block device "${missing}": give the size of its disk, e.g. --disk ${missing}=64M`,
      2,
    );
  const args: string[] = [];
  for (const name of blocks)
    args.push("--block", `${name}=${DATA_DIR}/${name}.img`, "--block-create", `${name}=${settings.disks.get(name)}`);
  if (nets.length) {
    // tessera-spt's user-mode networking, spelled as `tessera run` spells it: each port the image serves is
    // listened on in the container, on every address (docker run -p forwards to the container's own address,
    // not its loopback), and spliced to the same port of the guest. Without ports the one net device still
    // gets the user network (the guest has an address, and nothing reaches it).
    for (const p of settings.ports) args.push("--publish", `0.0.0.0:${p}:${p}`);
    if (!settings.ports.length) {
      if (nets.length === 1) args.push("--net", `${nets[0]}=user`);
      notes.push(`note: no ports given: add the ports the image serves with --port (e.g. --port 80)`);
    }
    if (nets.length > 1)
      notes.push(
        `note: ${c.file} opens net devices ${nets.join(", ")}: tessera-spt gives the user network to one net device, so this container stops at start saying which has none`,
      );
  } else if (settings.ports.length) {
    throw new CliError(`package: --port ${settings.ports[0]}: ${c.file} opens no net device, so it serves no port`, 2);
  }
  const imagePath = `/${c.name}.spt`;
  const devices = image.manifest.devices.map((d) => `${d.kind}:${d.name}`).join(",");
  const spec: ImageSpec = {
    files: [
      { name: TENDER_PATH.slice(1), mode: 0o755, data: c.tender },
      { name: imagePath.slice(1), mode: 0o644, data: c.bytes },
      ...(blocks.length ? [{ name: `${DATA_DIR.slice(1)}/`, mode: 0o755 }] : []),
    ],
    entrypoint: [TENDER_PATH, ...args, imagePath, "--"],
    exposedPorts: settings.ports.map((p) => `${p}/tcp`),
    volumes: blocks.length ? [DATA_DIR] : [],
    labels: Object.fromEntries(
      Object.entries({
        "org.opencontainers.image.title": c.name,
        [`${LABEL}.abi-version`]: String(image.abiVersion),
        [`${LABEL}.target`]: image.target,
        [`${LABEL}.devices`]: devices,
        [`${LABEL}.ports`]: settings.ports.map((p) => `${p}/tcp`).join(","),
        [`${LABEL}.disks`]: blocks.map((b) => `${b}=${settings.disks.get(b)}`).join(","),
        [`${LABEL}.version`]: c.version,
      }).filter(([, v]) => v !== ""), // nothing for an image without devices, ports or disks
    ),
    createdBy: `tessera package ${c.name}.spt`,
  };
  return { spec, notes };
}
