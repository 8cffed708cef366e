// --publish's parsing and which net device it goes to (test/publish.test.ts runs it end to end).
import { describe, expect, test } from "vitest";
import type { Manifest } from "@tessera/image";
import { applyPublish, parsePublish } from "../src/net/publish.js";
import { describeListening } from "../src/net/user.js";

const manifest = (...names: string[]): Manifest =>
  ({ version: 1, devices: names.map((name) => ({ name, kind: "net" })) }) as Manifest;

describe("parsePublish", () => {
  test.each([
    ["8080:80", { host: "127.0.0.1", hostPort: 8080, guestPort: 80 }],
    ["0:7", { host: "127.0.0.1", hostPort: 0, guestPort: 7 }],
    ["0.0.0.0:8080:80", { host: "0.0.0.0", hostPort: 8080, guestPort: 80 }],
    ["[::1]:8080:80/tcp", { host: "::1", hostPort: 8080, guestPort: 80 }],
    ["65535:65535", { host: "127.0.0.1", hostPort: 65535, guestPort: 65535 }],
  ])("%s", (spec, want) => {
    expect(parsePublish(spec)).toEqual({ spec, ...want });
  });

  test.each([
    ["", "write it as"],
    ["80", "write it as"],
    [":80", "write it as"],
    ["8080:", "write it as"],
    ["1:2:3:4", "write it as"],
    ["::1:8080:80", "write it as"],
    ["-1:80", 'the host port "-1"'],
    ["65536:80", 'the host port "65536"'],
    ["08080x:80", 'the host port "08080x"'],
    ["8080:65536", 'the guest port "65536"'],
    ["8080:80/sctp", "only TCP ports"],
    ["1.2.3:8080:80", '"1.2.3" is not an IP address'],
  ])("refuses %j", (spec, why) => {
    expect(() => parsePublish(spec)).toThrow(`--publish ${spec}: ${why}`);
  });
});

describe("applyPublish", () => {
  const p = (...specs: string[]) => specs.map(parsePublish);

  test("without --publish, nothing changes", () => {
    const net = { service: "tap:tap0" };
    expect(applyPublish(manifest("service"), net, [])).toEqual({ net, device: null });
  });

  test("the one net device no --net names gets the user backend", () => {
    expect(applyPublish(manifest("service"), {}, p("8080:80"))).toEqual({
      net: { service: "user" },
      device: "service",
    });
    expect(applyPublish(manifest("lan", "wan"), { lan: "switch:x" }, p("8080:80"))).toEqual({
      net: { lan: "switch:x", wan: "user" },
      device: "wan",
    });
  });

  test("a device given --net NAME=user takes the ports", () => {
    expect(applyPublish(manifest("lan", "wan"), { wan: "user" }, p("1:2"))).toEqual({
      net: { wan: "user" },
      device: "wan",
    });
  });

  test("a host address and port twice is refused; port 0 twice is two free ports", () => {
    expect(() => applyPublish(manifest("s"), {}, p("9000:80", "127.0.0.1:9000:81"))).toThrow("published twice");
    expect(applyPublish(manifest("s"), {}, p("0:80", "0:81")).device).toBe("s");
    expect(applyPublish(manifest("s"), {}, p("9000:80", "0.0.0.0:9000:81")).device).toBe("s");
  });

  test("every device taken by another backend", () => {
    expect(() => applyPublish(manifest("s"), { s: "tap:tap0" }, p("8080:80"))).toThrow(
      "--publish 8080:80: every net device already has a backend; give the one to publish on with --net NAME=user",
    );
  });
});

describe("describeListening", () => {
  test.each([
    [{ host: "127.0.0.1", port: 8080, guestPort: 80 }, "publishing http://127.0.0.1:8080 -> guest port 80"],
    [{ host: "127.0.0.1", port: 9007, guestPort: 7 }, "publishing 127.0.0.1:9007 -> guest port 7"],
    [
      { host: "0.0.0.0", port: 80, guestPort: 8080 },
      "publishing http://127.0.0.1:80 (on every address) -> guest port 8080",
    ],
    [{ host: "::1", port: 8080, guestPort: 80 }, "publishing http://[::1]:8080 -> guest port 80"],
  ])("%j", (l, line) => {
    expect(describeListening({ spec: "", ...l })).toBe(line);
  });
});
