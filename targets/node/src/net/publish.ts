// `--publish [ADDR:]HOSTPORT:GUESTPORT`: what it says, and which net device it
// goes to. A published port needs the `user` backend (user-mode networking:
// the gateway inside the tender, see user.ts); when the image has exactly one
// net device and no --net names it, --publish implies `--net NAME=user`.
import { isIP } from "node:net";
import type { Manifest } from "@tessera/image";
import { TenderError } from "../errors.js";

/** One published port: host connections to `host:hostPort` reach the guest's TCP port `guestPort`. */
export interface Publish {
  /** The option as given, for messages. */
  spec: string;
  /** The address to listen on (default 127.0.0.1). */
  host: string;
  /** The host port; 0 picks a free one. */
  hostPort: number;
  /** The guest's TCP port. */
  guestPort: number;
}

const FORM = /^(?:(\[[^\]]*\]|[^:[\]]*):)?([^:]*):([^:/]*)(\/[a-z]*)?$/;

function port(text: string, min: number): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= 65535 ? n : null;
}

/** Parses one `--publish` value; throws a one-line TenderError saying what is wrong. */
export function parsePublish(spec: string): Publish {
  const flag = `--publish ${spec}`;
  const m = FORM.exec(spec);
  if (!m || !m[2] || !m[3])
    throw new TenderError(`${flag}: write it as [ADDR:]HOSTPORT:GUESTPORT, e.g. --publish 8080:80`);
  const [, addr, hostText, guestText, proto] = m;
  if (proto && proto !== "/tcp") throw new TenderError(`${flag}: only TCP ports can be published`);
  const host = addr === undefined ? "127.0.0.1" : addr.startsWith("[") ? addr.slice(1, -1) : addr;
  if (!isIP(host))
    throw new TenderError(`${flag}: "${addr}" is not an IP address to listen on (e.g. 127.0.0.1, 0.0.0.0 or [::1])`);
  const hostPort = port(hostText, 0);
  if (hostPort === null)
    throw new TenderError(`${flag}: the host port "${hostText}" is not a port from 0 to 65535 (0: any free port)`);
  const guestPort = port(guestText, 1);
  if (guestPort === null) throw new TenderError(`${flag}: the guest port "${guestText}" is not a port from 1 to 65535`);
  return { spec, host, hostPort, guestPort };
}

/** `host:port` as a URL authority (IPv6 in brackets). */
export function hostPortText(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * The net backends with --publish applied: the device the ports go to gets
 * `user` if no --net named it. Returns the name of that device (null without
 * --publish) and the completed backends. Throws a TenderError when it is not
 * clear which device, or when a host address and port is given twice.
 */
export function applyPublish(
  manifest: Manifest,
  net: Record<string, string>,
  publish: Publish[],
): { net: Record<string, string>; device: string | null } {
  if (publish.length === 0) return { net, device: null };
  const first = `--publish ${publish[0].spec}`;
  const seen = new Set<string>();
  for (const p of publish) {
    const key = hostPortText(p.host, p.hostPort);
    if (p.hostPort !== 0 && seen.has(key))
      throw new TenderError(`--publish ${p.spec}: ${key} is published twice (give each host port once)`);
    seen.add(key);
  }
  const devices = manifest.devices.filter((d) => d.kind === "net").map((d) => d.name);
  if (devices.length === 0)
    throw new TenderError(`${first}: the image has no net device, so it has no ports to publish`);
  const user = Object.keys(net).filter((n) => net[n] === "user");
  if (user.length > 1)
    throw new TenderError(
      `${first}: more than one net device has the user backend (${user.join(", ")}); ports can be published on one`,
    );
  if (user.length === 1) return { net, device: user[0] };
  const free = devices.filter((n) => !Object.hasOwn(net, n));
  if (free.length === 1) return { net: { ...net, [free[0]]: "user" }, device: free[0] };
  if (free.length === 0)
    throw new TenderError(
      `${first}: every net device already has a backend; give the one to publish on with --net NAME=user`,
    );
  throw new TenderError(
    `${first}: the image has net devices ${free.join(", ")}; say which one publishes with --net NAME=user`,
  );
}
