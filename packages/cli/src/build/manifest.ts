/**
 * Finds the devices an app opens, for the image's manifest. A device is named
 * where it is opened, `NetDevice.open("service")`, and the name must be a
 * string literal so the build can read it off the source: the manifest is
 * then exactly what the code can acquire.
 *
 * @module
 */
import type { Manifest } from "@tessera/image";

/** The classes whose `open("name")` acquires a device, and the device kind. */
export const DEVICE_OPENERS: Record<string, "net" | "block"> = {
  NetDevice: "net",
  Stack: "net",
  BlockDevice: "block",
};

// AssemblyScript 0.28's AST node kinds (const enums, so not exported at run
// time); the build's tests fail if a new compiler renumbers them.
const CALL = 10;
const IDENTIFIER = 7;
const LITERAL = 17;
const PROPERTY_ACCESS = 22;
const STRING_LITERAL = 2;

interface AstNode {
  kind: number;
  range?: { source?: { normalizedPath?: string }; line?: number; toString(): string };
  [key: string]: unknown;
}

/** A device open found in the source, or a problem with one. */
export interface DeviceUse {
  kind: "net" | "block";
  /** The literal name, or null if the argument is not a string literal. */
  name: string | null;
  /** `file:line` of the call. */
  where: string;
}

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as AstNode).kind === "number";
}

function where(node: AstNode): string {
  const source = node.range?.source as { normalizedPath?: string; lineAt?: (pos: number) => number } | undefined;
  const start = (node.range as { start?: number } | undefined)?.start ?? 0;
  const line = source?.lineAt ? source.lineAt(start) : 0;
  return `${source?.normalizedPath ?? "?"}:${line}`;
}

// asc's SourceKind: 2 and 3 are library files (the standard library and packages).
const LIBRARY_KINDS = new Set([2, 3]);

/**
 * Collects every `<Opener>.open(...)` call in the parsed sources. In library
 * sources (packages), a call with a non-literal name is a wrapper that passes
 * its caller's name on (`Stack.open(name)` calls `NetDevice.open(name)`), so
 * only the app's own calls must use literals.
 */
export function findDeviceUses(sources: unknown[]): DeviceUse[] {
  const uses: DeviceUse[] = [];
  const seen = new Set<object>();
  let library = false;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isNode(v) || seen.has(v)) return;
    seen.add(v);
    if (v.kind === CALL) {
      const callee = v.expression as AstNode | undefined;
      const target = callee?.expression as AstNode | undefined;
      const property = callee?.property as AstNode | undefined;
      if (
        callee?.kind === PROPERTY_ACCESS &&
        property?.text === "open" &&
        target?.kind === IDENTIFIER &&
        typeof target.text === "string" &&
        Object.hasOwn(DEVICE_OPENERS, target.text)
      ) {
        const arg = (v.args as AstNode[] | undefined)?.[0];
        const literal = arg?.kind === LITERAL && arg.literalKind === STRING_LITERAL;
        if (literal || !library)
          uses.push({ kind: DEVICE_OPENERS[target.text], name: literal ? String(arg.value) : null, where: where(v) });
      }
    }
    for (const [key, child] of Object.entries(v)) if (key !== "range" && key !== "parent") visit(child);
  };
  for (const source of sources as { statements?: unknown; sourceKind?: number }[]) {
    library = LIBRARY_KINDS.has(source.sourceKind ?? 0);
    visit(source.statements);
  }
  return uses;
}

/**
 * The manifest for the device uses, with the ports and disk sizes the app's package.json gives (`service`);
 * throws an Error with a one-line reason if a use is not acceptable.
 */
export function manifestOf(
  uses: DeviceUse[],
  service: Pick<Manifest, "ports" | "disks"> = {},
  packageJson = "package.json",
): Manifest {
  const devices: Manifest["devices"] = [];
  for (const u of uses) {
    if (u.name === null)
      throw new Error(
        `${u.where}: a device name must be a string literal, e.g. NetDevice.open("service"), so the build can list it in the manifest`,
      );
    const same = devices.find((d) => d.name === u.name);
    if (same && same.kind !== u.kind)
      throw new Error(
        `${u.where}: "${u.name}" is opened as a ${u.kind} device here and as a ${same.kind} device elsewhere`,
      );
    if (!same) devices.push({ name: u.name, kind: u.kind });
  }
  const manifest: Manifest = { version: 1, devices };
  if (service.ports !== undefined) {
    if (service.ports.length && !devices.some((d) => d.kind === "net"))
      throw new Error(`${packageJson}: tessera.ports: the app opens no net device, so it serves no port`);
    manifest.ports = service.ports;
  }
  if (service.disks !== undefined) {
    for (const name of Object.keys(service.disks))
      if (!devices.some((d) => d.name === name && d.kind === "block"))
        throw new Error(
          `${packageJson}: tessera.disks: ${name}: the app opens no block device "${name}" (BlockDevice.open("${name}"))`,
        );
    manifest.disks = service.disks;
  }
  return manifest;
}
