// Where a virtual switch's socket lives: one UNIX SOCK_SEQPACKET socket per
// switch, `$XDG_RUNTIME_DIR/tessera/switch/NAME.sock` (or, without
// XDG_RUNTIME_DIR, `/tmp/tessera-UID/switch/NAME.sock`). Only the user's own
// processes can reach it: the directory is made 0700.
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Switch names: 1-32 of A-Z a-z 0-9 _ . -, not starting with `.` or `-`. */
export const SWITCH_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

/** What a bad switch name is told, after the name. */
export const SWITCH_NAME_RULE = "1-32 of A-Z a-z 0-9 _ . -, not starting with . or -";

/** The longest path a UNIX socket address holds (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 106;

/** The directory that holds every switch's socket. */
export function switchDir(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, "tessera", "switch") : join(tmpdir(), `tessera-${process.getuid?.() ?? 0}`, "switch");
}

/** The socket of switch `name` (which must match SWITCH_NAME). */
export function switchSocket(name: string): string {
  return join(switchDir(), `${name}.sock`);
}

/** Why `path` cannot be a socket address, or null if it can. */
export function socketPathProblem(path: string): string | null {
  return Buffer.byteLength(path) > MAX_SOCKET_PATH
    ? `the socket path ${path} is longer than ${MAX_SOCKET_PATH} bytes (set XDG_RUNTIME_DIR to a shorter directory)`
    : null;
}
