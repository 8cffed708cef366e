// What /proc says of a process.
import { readFileSync } from "node:fs";

/** The CPU time process `pid` has used so far, user and system, in seconds (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // (after the command name, which may hold spaces)
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime
}
