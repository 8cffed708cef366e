// The tender's native helper (native/tap.c): found, loaded once, explained when missing.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { TenderError } from "../errors.js";

/** What native/tap.c exports. */
export interface Native {
  /** Attaches to (or creates) TAP device `name`; returns its fd. Throws with the OS's reason. */
  openTap(name: string): number;
  /** Waits up to `timeoutMs` for one of `fds` to be readable; returns a bit mask of the readable ones. */
  pollRead(fds: Int32Array, timeoutMs: number): number;
}

let loaded: Native | null = null;

/** Path of the compiled helper (built by `npm run build` with gcc). */
export function nativePath(): string {
  return createRequire(import.meta.url).resolve("@tessera/node/native/tessera_tap.node");
}

/** Loads the native helper, or throws a TenderError saying how to build it. */
export function loadNative(what: string): Native {
  if (loaded) return loaded;
  let path = "";
  try {
    path = nativePath();
  } catch {
    /* not built */
  }
  if (!path || !existsSync(path))
    throw new TenderError(
      `${what}: the Node tender's native helper is not built (it needs gcc and Node's headers: install them, then run npm run build)`,
    );
  const module = { exports: {} as Native };
  process.dlopen(module, path);
  loaded = module.exports;
  return loaded;
}
