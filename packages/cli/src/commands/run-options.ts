/**
 * Parsing of the options every tender shares: `--mem` and the device options.
 *
 * @module
 */
import { DEVICE_NAME_PATTERN } from "@tessera/abi";
import { parsePublish, TenderError } from "@tessera/node";
import { CliError } from "../errors.js";

/** `--mem MiB`: a whole number of MiB from 1 to 4096 (4 GiB, the most a wasm32 memory can hold). */
export function parseMem(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 4096)
    throw new CliError(`--mem ${text}: give a whole number of MiB from 1 to 4096, e.g. --mem 64`, 2);
  return n;
}

/** `--net NAME=BACKEND` / `--block NAME=FILE`, each name once. */
export function parseDevices(kind: "net" | "block", given: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const example = kind === "net" ? "--net service=tap:tap0" : "--block storage=disk.img";
  for (const g of given) {
    const eq = g.indexOf("=");
    const name = eq < 0 ? g : g.slice(0, eq);
    const value = eq < 0 ? "" : g.slice(eq + 1);
    if (eq < 0 || !value)
      throw new CliError(`--${kind} ${g}: write it as NAME=${kind === "net" ? "BACKEND" : "FILE"}, e.g. ${example}`, 2);
    if (!DEVICE_NAME_PATTERN.test(name))
      throw new CliError(`--${kind} ${g}: "${name}" is not a device name (1-31 of a-z, 0-9, _)`, 2);
    if (name in out) throw new CliError(`--${kind} ${name}: given twice`, 2);
    out[name] = value;
  }
  return out;
}

/** `--publish [ADDR:]HOSTPORT:GUESTPORT`, checked here so that a typo is a usage error (status 2). */
export function parsePublishes(given: string[]): string[] {
  for (const g of given) {
    try {
      parsePublish(g);
    } catch (e) {
      if (e instanceof TenderError) throw new CliError(e.message, 2);
      throw e;
    }
  }
  return given;
}
