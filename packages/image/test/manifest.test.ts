// parseManifest: what a valid device manifest is.
import { describe, expect, it } from "vitest";
import { parseManifest } from "../src/index.js";

describe("parseManifest", () => {
  it("accepts a valid manifest", () => {
    const m = parseManifest(
      '{"version":1,"devices":[{"name":"service","kind":"net"},{"name":"storage","kind":"block"}]}',
    );
    expect(m.devices).toEqual([
      { name: "service", kind: "net" },
      { name: "storage", kind: "block" },
    ]);
  });
  it("rejects bad JSON, versions, names, kinds, duplicates and too many devices", () => {
    expect(() => parseManifest("{")).toThrow(/manifest is not valid JSON/);
    expect(() => parseManifest('{"version":2,"devices":[]}')).toThrow("manifest version must be 1, not 2");
    expect(() => parseManifest('{"version":1}')).toThrow("manifest devices must be an array");
    expect(() => parseManifest('{"version":1,"devices":[{"name":"Bad-Name","kind":"net"}]}')).toThrow(
      /device name "Bad-Name" must match/,
    );
    expect(() => parseManifest({ version: 1, devices: [{ name: "a".repeat(32), kind: "net" }] })).toThrow(/must match/);
    expect(() => parseManifest({ version: 1, devices: [{ name: "x", kind: "gpu" }] })).toThrow(
      'manifest device "x" has kind "gpu"; use one of net, block',
    );
    expect(() =>
      parseManifest({
        version: 1,
        devices: [
          { name: "x", kind: "net" },
          { name: "x", kind: "block" },
        ],
      }),
    ).toThrow('manifest names device "x" twice');
    const many = Array.from({ length: 64 }, (_, i) => ({ name: `d${i}`, kind: "net" }));
    expect(() => parseManifest({ version: 1, devices: many })).toThrow(
      "manifest has 64 devices; at most 63 are allowed",
    );
    expect(parseManifest({ version: 1, devices: many.slice(0, 63) }).devices).toHaveLength(63);
  });
  it("carries the ports an app serves and its disks' sizes, checked", () => {
    const devices = [
      { name: "service", kind: "net" },
      { name: "storage", kind: "block" },
    ];
    const m = parseManifest({ version: 1, devices, ports: [8080, 80, 80], disks: { storage: 64 << 20 } });
    expect(m.ports).toEqual([80, 8080]);
    expect(m.disks).toEqual({ storage: 67108864 });
    expect(parseManifest({ version: 1, devices }).ports).toBeUndefined();
    expect(() => parseManifest({ version: 1, devices, ports: [0] })).toThrow("manifest port 0 must be a whole number");
    expect(() => parseManifest({ version: 1, devices, ports: "80" })).toThrow(/ports must be a list/);
    expect(() => parseManifest({ version: 1, devices, ports: Array.from({ length: 65 }, (_, i) => i + 1) })).toThrow(
      /at most 64/,
    );
    expect(() => parseManifest({ version: 1, devices, disks: { service: 4096 } })).toThrow(
      'manifest gives a disk size for "service", which is not one of its block devices',
    );
    expect(() => parseManifest({ version: 1, devices, disks: { storage: 4097 } })).toThrow(/4096-byte blocks/);
    expect(() => parseManifest({ version: 1, devices, disks: { storage: 2 ** 41 } })).toThrow(/at most 1 TiB/);
  });
});
