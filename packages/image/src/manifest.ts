// The device manifest carried in `tessera.manifest`: parse and validate.
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
  return { version: 1, devices };
}
