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
});
