/**
 * What every QEMU command line `tessera run` writes shares: the console
 * options and how a value is written.
 *
 * @module
 */

/** Every machine's: no default devices or config, no display, the UART on stdio, and a reset ends QEMU. */
export const QEMU_CONSOLE = ["-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot"];

/** `text` as a QEMU option value (a comma is written twice). */
export function qemuValue(text: string): string {
  return text.replace(/,/g, ",,");
}
