/**
 * What `tessera package` puts around an image: the TCP ports it serves and
 * the sizes of its disks. `tessera build` records the app's (`"tessera": {
 * "ports": [80], "disks": { "storage": "64M" } }` in its package.json) in the
 * image's manifest; a package.json (`--app DIR`'s, or one beside the image
 * whose name is the image's, as `tessera new` lays an app out) and the
 * command line (`--port 80`, `--disk storage=64M`) add to them.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { DEFAULT_BLOCK_SIZE, MAX_CAPACITY, parseSize } from "@tessera/node";
import type { Manifest } from "@tessera/image";
import { CliError } from "../errors.js";

/** The largest disk: 1 TiB, as `tessera disk create` makes. */
const MAX_DISK = MAX_CAPACITY;
// A disk --block-create makes has blocks of the default size (packages/abi/src/disk-label.ts).
const BLOCK = BigInt(DEFAULT_BLOCK_SIZE);

/** Ports and disk sizes for an image. */
export interface PackageSettings {
  /** TCP ports, sorted, each once. */
  ports: number[];
  /** Disk sizes in bytes by block device name. */
  disks: Map<string, bigint>;
  /** The package.json they came from, if one was read (for messages). */
  from: string | null;
}

/** `80` or `80/tcp`; `where` names the source in the message. Throws a usage error otherwise. */
export function parsePort(text: string, where = "package: --port"): number {
  const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (m?.[2]?.toLowerCase() === "udp")
    throw new CliError(
      `${where} ${text}: only TCP ports for now (user-mode networking publishes TCP); e.g. --port 80`,
      2,
    );
  if (!m || n < 1 || n > 65535)
    throw new CliError(`${where} ${text}: give a TCP port number from 1 to 65535, e.g. --port 80`, 2);
  return n;
}

/** `NAME=SIZE` (`storage=64M`), SIZE a whole number of DEFAULT_BLOCK_SIZE-byte (4096) blocks up to 1T. */
export function parseDisk(text: string, where = "package: --disk"): [string, bigint] {
  const eq = text.indexOf("=");
  const name = eq < 0 ? "" : text.slice(0, eq);
  const size = eq < 0 ? null : parseSize(text.slice(eq + 1));
  if (!/^[a-z0-9_]{1,31}$/.test(name) || size === null)
    throw new CliError(`${where} ${text}: write it as NAME=SIZE, e.g. --disk storage=64M`, 2);
  if (size < BLOCK || size % BLOCK !== 0n || size > MAX_DISK)
    throw new CliError(`${where} ${text}: give a whole number of ${BLOCK}-byte blocks, at least one and at most 1T`, 2);
  return [name, size];
}

/** The package.json to read settings from: `appDir`'s, else one beside `image` named like it, else null. */
function findPackageJson(image: string, appDir: string | undefined): string | null {
  if (appDir !== undefined) {
    const file = join(appDir, "package.json");
    if (!existsSync(file))
      throw new CliError(`package: --app ${appDir}: no package.json there; give the app's directory`, 2);
    return file;
  }
  const name = basename(image, extname(image));
  for (const dir of [dirname(image), dirname(dirname(image))]) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown };
      if (typeof pkg.name === "string" && pkg.name.replace(/^@[^/]+\//, "") === name) return file;
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * The settings for `image`: those its manifest carries (the app's package.json
 * as it was built), over them those of a package.json (`appDir`'s, or one
 * found beside the image), and over those the command line's `ports` and
 * `disks`. Ports add up; a disk's size is the last one given.
 */
export function packageSettings(
  image: string,
  appDir: string | undefined,
  ports: string[],
  disks: string[],
  manifest: Manifest,
): PackageSettings {
  const out: PackageSettings = { ports: [...(manifest.ports ?? [])], disks: new Map(), from: null };
  for (const [name, size] of Object.entries(manifest.disks ?? {})) out.disks.set(name, BigInt(size));
  if (manifest.ports !== undefined || manifest.disks !== undefined) out.from = `${image}'s manifest`;
  const file = findPackageJson(image, appDir);
  if (file) {
    let pkg: { tessera?: { ports?: unknown; disks?: unknown } };
    try {
      pkg = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new CliError(`package: ${file}: not valid JSON (${(e as Error).message})`);
    }
    const t = pkg.tessera ?? {};
    if (t.ports !== undefined) {
      if (!Array.isArray(t.ports))
        throw new CliError(`package: ${file}: tessera.ports must be a list of TCP ports, e.g. [80]`);
      for (const p of t.ports) out.ports.push(parsePort(String(p), `package: ${file}: tessera.ports:`));
    }
    if (t.disks !== undefined) {
      if (typeof t.disks !== "object" || t.disks === null || Array.isArray(t.disks))
        throw new CliError(
          `package: ${file}: tessera.disks must map block device names to sizes, e.g. { "storage": "64M" }`,
        );
      for (const [name, size] of Object.entries(t.disks))
        out.disks.set(...parseDisk(`${name}=${String(size)}`, `package: ${file}: tessera.disks:`));
    }
    if (t.ports !== undefined || t.disks !== undefined) out.from = out.from ? `${out.from} and ${file}` : file;
  }
  for (const p of ports) out.ports.push(parsePort(p));
  const given = new Set<string>();
  for (const d of disks) {
    const [name, size] = parseDisk(d);
    if (given.has(name)) throw new CliError(`package: --disk ${name}: given twice`, 2);
    given.add(name);
    out.disks.set(name, size);
  }
  out.ports = [...new Set(out.ports)].sort((a, b) => a - b);
  return out;
}
