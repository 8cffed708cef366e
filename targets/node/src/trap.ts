// Trap reports: `tessera: trap: <reason> in <function>`, in the words every target uses (TRAP_REASONS, V8's, from
// packages/abi/src/native-format.ts as the native runtime's are).
import { TRAP_REASONS } from "@tessera/image";

const FRAME = /wasm-function\[(\d+)\]/;

/** True if `error` is a guest trap: a wasm RuntimeError or JS stack exhaustion. */
export function isTrap(error: unknown): error is Error {
  return (
    error instanceof WebAssembly.RuntimeError ||
    (error instanceof RangeError && error.message.includes("Maximum call stack size exceeded"))
  );
}

/**
 * The one-line report of a trap: `tessera: trap: <reason> in <function>`, the
 * function taken from the innermost wasm frame of the error's stack and named
 * from `names` (else `wasm-function[N]`).
 */
export function formatTrap(error: unknown, names: ReadonlyMap<number, string> = new Map()): string {
  const err = error instanceof Error ? error : new Error(String(error));
  const reason =
    err instanceof RangeError && err.message.includes("Maximum call stack") ? TRAP_REASONS.EXHAUSTION : err.message;
  const frame = FRAME.exec(err.stack ?? "");
  const where = frame ? (names.get(Number(frame[1])) ?? `wasm-function[${frame[1]}]`) : "an unknown function";
  return `tessera: trap: ${reason} in ${where}`;
}
