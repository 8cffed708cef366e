/**
 * The lines of `tessera inspect` that say how an image is served: the TCP
 * ports and disk sizes its manifest carries (from the app's package.json).
 *
 * @module
 */
import type { Manifest } from "@tessera/image";

/** `67108864` as `64 MiB`; sizes that are not whole MiB or GiB in bytes. */
function size(bytes: number): string {
  for (const [unit, n] of [
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
  ] as const)
    if (bytes >= n && bytes % n === 0) return `${bytes / n} ${unit}`;
  return `${bytes} bytes`;
}

/** "serves: TCP 80" and "disks: storage 64 MiB", for what the manifest says. */
export function serviceLines(m: Pick<Manifest, "ports" | "disks">): string[] {
  const out: string[] = [];
  if (m.ports?.length) out.push(`serves: TCP ${m.ports.join(", ")}`);
  const disks = Object.entries(m.disks ?? {});
  if (disks.length) out.push(`disks: ${disks.map(([name, bytes]) => `${name} ${size(bytes)}`).join(", ")}`);
  return out;
}
