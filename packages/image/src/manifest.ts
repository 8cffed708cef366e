// The device manifest carried in `tessera.manifest`: parse and validate. Besides
// the devices it may say how the app is served, from its package.json's
// `tessera` field: the TCP ports it listens on and the sizes of its disks, so
// that `tessera package` needs only the image.
import { DEVICE_KINDS, DEVICE_NAME_PATTERN, MAX_DEVICES } from "@tessera/abi";
import { ImageError } from "./errors.js";

/** A kind of device a manifest may name. */
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** One device the image acquires by name. */
export interface Device {
  name: string;
  kind: DeviceKind;
}

/** The validated manifest. */
export interface Manifest {
  version: 1;
  devices: Device[];
  /** The TCP ports the app serves, sorted, each once (absent: not said). */
  ports?: number[];
  /** Sizes in bytes for its block devices' disks, by device name (absent: not said). */
  disks?: Record<string, number>;
}

/** The most ports a manifest may list. */
export const MAX_PORTS = 64;
/** A disk's size is a whole number of these, at most MAX_DISK_BYTES. */
export const DISK_BLOCK = 4096;
export const MAX_DISK_BYTES = 2 ** 40;

function parsePorts(value: unknown): number[] {
  if (!Array.isArray(value) || value.length > MAX_PORTS)
    throw new ImageError(`manifest ports must be a list of at most ${MAX_PORTS} TCP ports`);
  for (const p of value)
    if (!Number.isInteger(p) || p < 1 || p > 65535)
      throw new ImageError(`manifest port ${JSON.stringify(p)} must be a whole number from 1 to 65535`);
  return [...new Set(value as number[])].sort((a, b) => a - b);
}

function parseDisks(value: unknown, devices: Device[]): Record<string, number> {
  if (!isObject(value)) throw new ImageError("manifest disks must map block device names to sizes in bytes");
  const out: Record<string, number> = {};
  for (const name of Object.keys(value).sort()) {
    const size = value[name];
    if (!devices.some((d) => d.name === name && d.kind === "block"))
      throw new ImageError(`manifest gives a disk size for "${name}", which is not one of its block devices`);
    if (
      !Number.isInteger(size) ||
      (size as number) < DISK_BLOCK ||
      (size as number) % DISK_BLOCK ||
      (size as number) > MAX_DISK_BYTES
    )
      throw new ImageError(
        `manifest disk "${name}": ${JSON.stringify(size)} must be a whole number of ${DISK_BLOCK}-byte blocks, at least one and at most 1 TiB`,
      );
    out[name] = size as number;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parse and validate a manifest (JSON text or an already-parsed value):
 * version 1, device names matching DEVICE_NAME_PATTERN and unique, kinds in
 * DEVICE_KINDS, at most MAX_DEVICES. Throws an ImageError saying what is wrong.
 */
export function parseManifest(json: string | unknown): Manifest {
  let value: unknown = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new ImageError(`manifest is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(value)) throw new ImageError("manifest must be a JSON object");
  if (value.version !== 1) throw new ImageError(`manifest version must be 1, not ${JSON.stringify(value.version)}`);
  if (!Array.isArray(value.devices)) throw new ImageError("manifest devices must be an array");
  if (value.devices.length > MAX_DEVICES) {
    throw new ImageError(`manifest has ${value.devices.length} devices; at most ${MAX_DEVICES} are allowed`);
  }
  const seen = new Set<string>();
  const devices = value.devices.map((d: unknown, i: number): Device => {
    if (!isObject(d)) throw new ImageError(`manifest device ${i} must be an object`);
    const { name, kind } = d;
    if (typeof name !== "string" || !DEVICE_NAME_PATTERN.test(name)) {
      throw new ImageError(`manifest device name ${JSON.stringify(name)} must match ${DEVICE_NAME_PATTERN}`);
    }
    if (seen.has(name)) throw new ImageError(`manifest names device "${name}" twice`);
    seen.add(name);
    if (!(DEVICE_KINDS as readonly unknown[]).includes(kind)) {
      throw new ImageError(
        `manifest device "${name}" has kind ${JSON.stringify(kind)}; use one of ${DEVICE_KINDS.join(", ")}`,
      );
    }
    return { name, kind: kind as DeviceKind };
  });
  const manifest: Manifest = { version: 1, devices };
  if (value.ports !== undefined) manifest.ports = parsePorts(value.ports);
  if (value.disks !== undefined) manifest.disks = parseDisks(value.disks, devices);
  return manifest;
}
