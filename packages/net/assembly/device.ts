// A network device acquired from the host: one handle, its MAC address and
// MTU, and whole Ethernet frames in and out.

import {
  AGAIN,
  net_acquire,
  net_read,
  net_write,
  NET_INFO_MAC,
  NET_INFO_MTU,
  NET_INFO_SIZE,
  OK,
  panic,
} from "@tessera/abi/assembly";
import { fail } from "@tessera/runtime/assembly/abort";
import { collect, collected, collectedLength, putString } from "@tessera/runtime/assembly/out";
import { loadMac } from "./wire/bytes";

/**
 * A net device named in the image's manifest. Open it with a string literal,
 * `NetDevice.open("service")`: the build reads the name from the source to
 * list the device in the manifest, and the host must then be given it
 * (`--net service=tap:tap0`).
 */
export class NetDevice {
  private constructor(
    /** The device's handle: also its bit in `yield`'s ready set. */
    readonly handle: u32,
    /** The MAC address the host gave the device (low 48 bits). */
    readonly mac: u64,
    /** The largest IP packet, without the 14-byte Ethernet header. */
    readonly mtu: u32,
  ) {}

  /** Acquires the net device `name`; panics if the host will not give it. */
  static open(name: string): NetDevice {
    // A device name is ASCII (a manifest's are [a-z0-9_]): its bytes are its UTF-16 units, any other a byte no name has.
    const n = name.length;
    const bytes = new StaticArray<u8>(n);
    for (let i = 0; i < n; i++) {
      const c = name.charCodeAt(i);
      unchecked((bytes[i] = c < 0x80 ? <u8>c : 0xff));
    }
    const out = memory.data(4 + NET_INFO_SIZE);
    if (net_acquire(changetype<usize>(bytes), n, out, out + 4) != OK) {
      collect();
      putString("net device ");
      putString(name);
      putString(": the host refused it (is it in the manifest and given with --net?)");
      panic(collected(), collectedLength());
      unreachable();
    }
    return new NetDevice(load<u32>(out), loadMac(out + 4 + NET_INFO_MAC), load<u32>(out + 4 + NET_INFO_MTU));
  }

  /** The largest frame the device sends or receives: MTU plus the Ethernet header. */
  get frameSize(): u32 {
    return this.mtu + 14;
  }

  /** Receives one frame into `buf` (`cap` >= frameSize); returns its length, or 0 if none is waiting. */
  read(buf: usize, cap: u32): u32 {
    const lenOut = memory.data(4);
    const r = net_read(this.handle, buf, cap, lenOut);
    if (r == AGAIN) return 0;
    if (r != OK) fail("net_read failed (buffer smaller than a frame?)");
    return load<u32>(lenOut);
  }

  /** Sends one frame of `len` bytes (14 <= len <= frameSize); false if the host refused it. */
  write(ptr: usize, len: u32): bool {
    return net_write(this.handle, ptr, len) == OK;
  }
}
