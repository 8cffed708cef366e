// A disk's lock: the file FILE.lock holding the pid of the tender that has FILE open.
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";

/** The lock file of disk `file`. */
export function lockPath(file: string): string {
  return `${file}.lock`;
}

/** True if process `pid` has exited but is not reaped yet: it has closed its files. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false; // no /proc: trust kill()
  }
}

/** Who holds the lock of `file`: its pid and whether that process still exists; null if nobody does. */
export function lockHolder(file: string): { pid: number; alive: boolean } | null {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath(file), "utf8").trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return { pid, alive: false };
  try {
    process.kill(pid, 0);
  } catch (e) {
    return { pid, alive: (e as NodeJS.ErrnoException).code === "EPERM" };
  }
  return { pid, alive: !isZombie(pid) };
}

/**
 * Takes the lock of `file` for this process, taking over one left by a
 * process that is gone (kill -9). Returns null, or why it could not.
 */
export function takeLock(file: string): string | null {
  const lock = lockPath(file);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
      return null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return `cannot lock it: ${e}`;
    }
    const holder = lockHolder(file);
    if (!holder) continue; // removed meanwhile: try again
    if (holder.alive) return `in use by another tender (pid ${holder.pid}; its lock is ${lock})`;
    try {
      unlinkSync(lock); // stale: its process is gone
    } catch {
      // someone else removed it first
    }
  }
  return `cannot lock it (${lock} keeps coming back)`;
}
