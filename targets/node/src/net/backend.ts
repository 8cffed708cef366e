// Net backends: what `--net NAME=BACKEND` names, opened before the guest starts.
import { closeSync } from "node:fs";
import { TenderError } from "../errors.js";
import { DEVICE_SLOTS, FrameRing } from "./frame-ring.js";
import { loadNative } from "./native.js";
import { openSwitchPort } from "./switch-port.js";
import { MTU, randomMac, type NetDevice } from "./device.js";
import { openUser } from "./user.js";

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

/** Opens the backend `spec` for net device `name`; throws a one-line TenderError if it cannot. */
export function openNet(name: string, spec: string): NetDevice {
  const flag = `--net ${name}=${spec}`;
  const colon = spec.indexOf(":");
  const scheme = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? "" : spec.slice(colon + 1);
  if (scheme === "switch") return device(name, spec, openSwitchPort(flag, arg));
  if (scheme === "user") return openUser(name, flag, arg);
  if (scheme !== "tap")
    throw new TenderError(`${flag}: unknown backend "${scheme}" (backends: tap:IFNAME, switch:SWITCH, user)`);
  if (!IFNAME.test(arg))
    throw new TenderError(`${flag}: "${arg}" is not an interface name (1-15 of A-Z a-z 0-9 _ . -)`);
  const native = loadNative(flag);
  try {
    const fd = native.openTap(arg);
    native.setNonBlocking(fd); // the net worker reads until EAGAIN; a TAP write never waits anyway
    return device(name, spec, fd);
  } catch (e) {
    throw new TenderError(`${flag}: ${(e as Error).message}`);
  }
}

function device(name: string, spec: string, fd: number): NetDevice {
  return { name, spec, fd, mac: randomMac(), mtu: MTU, ring: new FrameRing(FrameRing.allocate(DEVICE_SLOTS)) };
}

/** Closes a device's fd (a TAP device the tender created goes away with it; a switch forgets the port). */
export function closeNet(device: NetDevice): void {
  if (device.fd < 0) return;
  try {
    closeSync(device.fd);
  } catch {
    /* already closed */
  }
}
