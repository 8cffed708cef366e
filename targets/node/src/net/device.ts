// A net device as the guest sees it, whatever backend carries its frames.
import type { FrameRing } from "./frame-ring.js";

/** The MTU every net device reports: the largest IP packet, without the Ethernet header. */
export const MTU = 1500;

/** An opened net device. */
export interface NetDevice {
  /** Manifest name. */
  readonly name: string;
  /** The backend as given, e.g. `tap:tap0` or `switch:lan`. */
  readonly spec: string;
  /** File descriptor that reads and writes whole frames (-1 for `user`, which has `write` instead). */
  readonly fd: number;
  /** The guest's MAC address (6 bytes). */
  readonly mac: Uint8Array;
  readonly mtu: number;
  /** Received frames waiting for the guest. */
  readonly ring: FrameRing;
  /** Sends one frame from the guest, for a backend without an fd; returns an ABI result. */
  readonly write?: (frame: Uint8Array) => number;
}

/** A random locally administered unicast MAC address (02:xx:xx:xx:xx:xx). */
export function randomMac(): Uint8Array {
  const mac = crypto.getRandomValues(new Uint8Array(6));
  mac[0] = (mac[0] & 0xfc) | 0x02;
  return mac;
}
