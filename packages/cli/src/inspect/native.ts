/**
 * `tessera inspect` of a native image (.spt, .hvt): its target, ABI version
 * and devices from the notes, its segments, and its code by package and by
 * function from the symbol table.
 *
 * @module
 */
import { serviceLines } from "./service.js";
import type { NativeImage } from "@tessera/image";
import { bars, packageOf, type SizeRow } from "./report.js";

/** Everything shown, also the `--json` output. */
export interface NativeReport {
  file: string;
  size: number;
  target: NativeImage["target"];
  abiVersion: number;
  devices: NativeImage["manifest"]["devices"];
  /** The TCP ports and disk sizes the manifest carries (absent if it does not say). */
  ports?: number[];
  disks?: Record<string, number>;
  segments: { address: string; flags: string; role: string; fileBytes: number; memoryBytes: number }[];
  packages: SizeRow[];
  functions: SizeRow[];
}

const ROLES: Record<string, string> = { "r-x": "code", "r--": "read-only data", "rw-": "data and bss" };

/** The report of `image`, `size` bytes on disk; `appName` names the app's own package. */
export function nativeReport(file: string, size: number, image: NativeImage, appName: string): NativeReport {
  const byPackage = new Map<string, number>();
  for (const f of image.functions) {
    const pkg = f.name.startsWith("(runtime)") ? "(guest runtime and wasm2c helpers)" : packageOf(f.name, appName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + f.size);
  }
  return {
    file,
    size,
    target: image.target,
    abiVersion: image.abiVersion,
    devices: image.manifest.devices,
    ports: image.manifest.ports,
    disks: image.manifest.disks,
    segments: image.segments.map((s) => ({
      address: `0x${s.vaddr.toString(16)}`,
      flags: s.flags,
      role: ROLES[s.flags] ?? "?",
      fileBytes: s.fileSize,
      memoryBytes: s.memSize,
    })),
    packages: [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
    functions: image.functions.map((f) => ({ name: f.name, bytes: f.size })),
  };
}

/** The report as text. */
export function formatNativeReport(r: NativeReport, top = 15): string {
  const code = r.functions.reduce((n, f) => n + f.bytes, 0);
  const out = [
    `${r.file}: ${r.size} bytes, ${r.target === "virtio-x86_64" ? "native image for virtio-x86_64 (booted by QEMU with -kernel)" : r.target === "spt-aarch64" ? "native image for tessera-spt on aarch64 (spt-aarch64)" : r.target === "virtio-aarch64" ? "native image for virtio-aarch64 (a Linux arm64 Image, booted by QEMU -M virt with -kernel)" : r.target === "rpi" ? "native image for rpi (a Raspberry Pi's kernel8.img, an arm64 Image linked at 0x80000)" : `native image for tessera-${r.target}`}, Tessera ABI v${r.abiVersion}`,
    `devices: ${r.devices.length ? r.devices.map((d) => `${d.name} (${d.kind})`).join(", ") : "none"}`,
    ...serviceLines(r),
    "",
    "segments:",
    ...r.segments.map(
      (s) =>
        `  ${s.address.padEnd(10)} ${s.flags}  ${s.role.padEnd(15)} ${String(s.memoryBytes).padStart(8)} B in memory, ${s.fileBytes} B in the file`,
    ),
    "",
    "code by package:",
    ...bars(r.packages, code),
    "",
    `biggest functions (of ${r.functions.length}):`,
    ...bars(r.functions, code, top),
  ];
  return out.join("\n") + "\n";
}
