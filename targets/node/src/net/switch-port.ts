// The tender's end of `--net NAME=switch:SWITCH`: a SOCK_SEQPACKET connection
// to the switch's socket (see switch-path.ts). One message is one Ethernet
// frame, so the net worker reads it and net_write writes it exactly as it does
// a TAP fd. A write waits at most SEND_TIMEOUT_MS for room in the switch's
// queue and is then dropped, so a stalled switch slows a guest but never
// hangs it. A switch that goes away is a hang-up: the worker stops polling the
// fd and net_write fails (EUNSPEC), as an unplugged cable would.
import { TenderError } from "../errors.js";
import { loadNative } from "./native.js";
import { socketPathProblem, SWITCH_NAME, SWITCH_NAME_RULE, switchSocket } from "./switch-path.js";

/** How long a frame written by the guest may wait for the switch to make room, in ms. */
export const SEND_TIMEOUT_MS = 10;

/** Connects to switch `name` for the device given by `flag` (`--net NAME=switch:SWITCH`); returns the fd. */
export function openSwitchPort(flag: string, name: string): number {
  if (!SWITCH_NAME.test(name)) throw new TenderError(`${flag}: "${name}" is not a switch name (${SWITCH_NAME_RULE})`);
  const path = switchSocket(name);
  const problem = socketPathProblem(path);
  if (problem) throw new TenderError(`${flag}: ${problem}`);
  const native = loadNative(flag);
  try {
    return native.connectSeqpacket(path, SEND_TIMEOUT_MS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ECONNREFUSED")
      throw new TenderError(`${flag}: no switch "${name}" is running (start one with: tessera switch ${name})`);
    throw new TenderError(`${flag}: cannot connect to switch "${name}": ${(e as Error).message}`);
  }
}
