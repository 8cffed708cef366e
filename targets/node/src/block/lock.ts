// A disk's lock: the file FILE.lock. The Node tender writes `PID\n` in it and
// its lock is live while that process is. The native tenders (tessera-spt,
// tessera-hvt; targets/native/host/lock.c) also hold flock(LOCK_EX) on it and
// write `PID\nflock\n`: their lock is live while that kernel lock is held,
// which this reads from /proc/locks, since their pid may be in another PID
// namespace (a container's).
import { readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";

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

/**
 * The pid of the process holding a FLOCK on `path` as /proc/locks shows it
 * (0 when its process is in a PID namespace this one cannot see), or null if
 * no process holds one. Lines read `1: FLOCK  ADVISORY  WRITE 1234 00:2e:5678 0 EOF`.
 */
export function flockHolder(path: string): number | null {
  let locks: string;
  let dev: bigint, ino: bigint;
  try {
    ({ dev, ino } = statSync(path, { bigint: true }));
    locks = readFileSync("/proc/locks", "utf8");
  } catch {
    return null;
  }
  // glibc's dev_t: the major number in bits 8..19 and 32..43, the minor in 0..7 and 20..31.
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  for (const line of locks.split("\n")) {
    const f = line.trim().split(/\s+/);
    const at = f.indexOf("FLOCK");
    if (at < 0 || f[at - 1] === "->") continue; // "->" marks a waiter, not a holder
    const id = f[at + 4]?.split(":");
    if (id?.length === 3 && BigInt(`0x${id[0]}`) === major && BigInt(`0x${id[1]}`) === minor && BigInt(id[2]) === ino)
      return Number(f[at + 3]);
  }
  return null;
}

/** Who holds the lock of `file`: its pid and whether it still holds it; null if there is no lock file. */
export function lockHolder(file: string): { pid: number; alive: boolean } | null {
  let text: string;
  try {
    text = readFileSync(lockPath(file), "utf8");
  } catch {
    return null;
  }
  const [first, mark] = text.split("\n");
  const pid = Number(first.trim());
  if (mark === "flock") {
    const holder = flockHolder(lockPath(file));
    return holder === null ? { pid, alive: false } : { pid: holder || pid, alive: true };
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
