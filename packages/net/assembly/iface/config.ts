// Static IPv4 configuration: addresses in dotted-quad text, a prefix, and the
// `ip=10.0.0.2/24 gw=10.0.0.1 dns=10.0.0.1` command-line arguments.

import { panic } from "@tessera/abi/assembly";
import { Args } from "@tessera/runtime/assembly/args";
import {
  collect,
  collected,
  collectedLength,
  putByte,
  putBytes,
  putString,
  putUint,
} from "@tessera/runtime/assembly/out";

/** An IPv4 address with a prefix length: `10.0.0.2/24`. */
export class Ipv4Cidr {
  constructor(
    /** The address, host order. */
    public addr: u32 = 0,
    /** Bits of network prefix, 0..32. */
    public prefixLen: u32 = 0,
  ) {}

  /** The netmask: `prefixLen` leading ones. */
  netmask(): u32 {
    return this.prefixLen == 0 ? 0 : <u32>(0xffffffff << (32 - this.prefixLen));
  }

  /** Whether `ip` is on this network. */
  contains(ip: u32): bool {
    const mask = this.netmask();
    return (ip & mask) == (this.addr & mask);
  }

  /** The network's broadcast address. */
  broadcast(): u32 {
    return this.addr | ~this.netmask();
  }
}

/** Parses a dotted-quad address from `len` UTF-8 bytes at `ptr`; -1 if it is not one. */
export function parseIpv4(ptr: usize, len: u32): i64 {
  let addr: u32 = 0;
  let octet: u32 = 0;
  let digits: u32 = 0;
  let dots: u32 = 0;
  for (let i: u32 = 0; i <= len; i++) {
    const c = i < len ? <u32>load<u8>(ptr + i) : 0x2e;
    if (c == 0x2e) {
      if (digits == 0 || octet > 255) return -1;
      addr = (addr << 8) | octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      octet = octet * 10 + (c - 0x30);
      digits++;
    } else {
      return -1;
    }
  }
  return dots == 4 ? <i64>addr : -1;
}

/** Parses `a.b.c.d/n` (a bare address counts as /32) into `out`; false if it is not one. */
export function parseCidr(ptr: usize, len: u32, out: Ipv4Cidr): bool {
  let slash = len;
  for (let i: u32 = 0; i < len; i++) if (load<u8>(ptr + i) == 0x2f) slash = i;
  const addr = parseIpv4(ptr, slash);
  if (addr < 0) return false;
  let prefix: u32 = 32;
  if (slash < len) {
    const n = len - slash - 1;
    if (n == 0 || n > 2) return false;
    prefix = 0;
    for (let i: u32 = slash + 1; i < len; i++) {
      const c = <u32>load<u8>(ptr + i);
      if (c < 0x30 || c > 0x39) return false;
      prefix = prefix * 10 + (c - 0x30);
    }
    if (prefix > 32) return false;
  }
  out.addr = <u32>addr;
  out.prefixLen = prefix;
  return true;
}

/** Writes `ip` in dotted-quad form into a new string (for logs and messages). */
export function formatIpv4(ip: u32): string {
  return (
    (ip >>> 24).toString() +
    "." +
    ((ip >>> 16) & 255).toString() +
    "." +
    ((ip >>> 8) & 255).toString() +
    "." +
    (ip & 255).toString()
  );
}

/** Writes `ip` in dotted-quad form to the console output (as `line` does: nothing allocated). */
export function putIpv4(ip: u32): void {
  for (let shift = 24; shift >= 0; shift -= 8) {
    putUint((ip >>> shift) & 255);
    if (shift) putByte(0x2e);
  }
}

/** An interface's IPv4 settings. */
export class Ipv4Config {
  /** Our address and network; addr 0 while unconfigured. */
  cidr: Ipv4Cidr = new Ipv4Cidr();
  /** The default gateway, or 0 for none. */
  gateway: u32 = 0;
  /** The DNS server, or 0 for none. */
  dns: u32 = 0;

  /** Whether an address is set. */
  get configured(): bool {
    return this.cidr.addr != 0;
  }

  /**
   * Reads `ip=ADDR/PREFIX`, `gw=ADDR` and `dns=ADDR` from the command line.
   * Returns false when `ip=` is absent (configure by DHCP then); panics with
   * a message naming the argument when one is malformed.
   */
  fromArgs(): bool {
    const ip = Args.find("ip");
    if (ip < 0) return false;
    const p = Args.valuePtr(ip);
    const n = Args.valueLength(ip);
    let slash = false;
    for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 0x2f) slash = true;
    if (!slash || !parseCidr(p, n, this.cidr) || this.cidr.addr == 0) {
      collect();
      putString("ip=");
      putBytes(p, n);
      failWith(": give an IPv4 address and prefix, e.g. ip=10.0.0.2/24");
    }
    this.gateway = Ipv4Config.address("gw");
    this.dns = Ipv4Config.address("dns");
    if (this.gateway != 0 && !this.cidr.contains(this.gateway)) {
      collect();
      putString("gw=");
      putIpv4(this.gateway);
      putString(": the gateway is not on the network of ip=");
      putBytes(p, n);
      failWith("");
    }
    return true;
  }

  private static address(key: string): u32 {
    const i = Args.find(key);
    if (i < 0) return 0;
    const p = Args.valuePtr(i);
    const n = Args.valueLength(i);
    const a = parseIpv4(p, n);
    if (a <= 0) {
      collect();
      putString(key);
      putByte(0x3d);
      putBytes(p, n);
      putString(": give an IPv4 address, e.g. ");
      putString(key);
      failWith("=10.0.0.1");
    }
    return <u32>a;
  }
}

// Ends the panic message collected since `collect()` with `last` and stops the image with it (the message is
// written in parts, straight into the output buffer: no strings joined).
function failWith(last: string): void {
  putString(last);
  panic(collected(), collectedLength());
  unreachable();
}
