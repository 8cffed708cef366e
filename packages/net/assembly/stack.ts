// A network stack assembled from its parts: a net device from the host, an
// interface over it, a DHCP client when no address is given, and the event
// loop that feeds frames and time to them.

import { line, log } from "@tessera/console/assembly";
import { Loop, mainLoop, PrepareHandler, ReadyHandler } from "@tessera/runtime/assembly/loop";
import { Timer } from "@tessera/runtime/assembly/heap";
import { NetDevice } from "./device";
import { putIpv4 } from "./iface/config";
import { DhcpClient, DhcpListener } from "./iface/dhcp-client";
import { Interface } from "./iface/interface";
import { Link } from "./iface/link";
import { random64 } from "./entropy";
import { TcpConnection, TcpHandler } from "./tcp/connection";
import { setDefaultTcpMemory } from "./tcp/state";
import { memoryLimit, memoryRoom } from "@tessera/runtime/assembly/memory";
import { TcpAcceptor, TcpListener } from "./tcp/endpoint";

/** Told when a stack's interface has an address (an object, since AssemblyScript has no closures). */
export abstract class StackListener {
  /** The interface has an address now: static from ip=, or a new DHCP lease. */
  abstract configured(stack: Stack, now: i64): void;
}

// Sends the interface's frames out of the device.
class DeviceLink extends Link {
  constructor(private readonly device: NetDevice) {
    super();
  }

  send(ptr: usize, len: u32): bool {
    return this.device.write(ptr, len);
  }
}

/**
 * Frames read in one turn of the loop at most: the rest wait for the next turn (the device is still
 * ready then). Under a steady flood of frames a device never runs dry, and a turn that drained it
 * would never end: the loop could not collect garbage between turns, nor fire timers.
 */
const FRAMES_PER_TURN: i32 = 128;

/**
 * A turn also ends before its next frame once no allocation of a sixteenth of the memory limit could
 * succeed without a collection (`memoryRoom`; the collector is then collecting after every busy turn):
 * a turn's garbage is freed only after it, and 128 frames of new connections can take megabytes.
 */
const LOW_ROOM: u64 = 16;

// Reads the device's frames (up to FRAMES_PER_TURN) when the loop says it has some, then re-arms the interface's timer.
class DeviceReader extends ReadyHandler {
  private readonly buffer: StaticArray<u8>;

  constructor(private readonly stack: Stack) {
    super();
    this.buffer = new StaticArray<u8>(<i32>stack.device.frameSize);
  }

  ready(now: i64): void {
    const buf = changetype<usize>(this.buffer);
    const cap = <u32>this.buffer.length;
    const low = memoryLimit() / LOW_ROOM;
    for (let i = 0; i < FRAMES_PER_TURN; i++) {
      // Short of memory, the turn ends early: the loop collects garbage before the device's next frames.
      if (i > 0 && memoryRoom() < low) break;
      const n = this.stack.device.read(buf, cap);
      if (n == 0) break;
      this.stack.iface.receive(buf, n, now);
    }
    this.stack.schedule();
  }
}

// Runs the interface's expiries (ARP, queued frames, fragments) and the DHCP client's timeouts when they are due.
class PollTimer extends Timer {
  /** Set once the stack exists (a field initializer cannot pass `this`). */
  stack: Stack | null = null;

  fire(now: i64): void {
    const stack = changetype<Stack>(this.stack); // set by Stack's constructor, before the timer is armed
    stack.iface.poll(now);
    const dhcp = stack.dhcp;
    if (dhcp) dhcp.poll(now);
    stack.schedule();
  }
}

// Sends, once per loop turn, what the app wrote or closed outside the stack's callbacks (from a timer, say).
class Flusher extends PrepareHandler {
  constructor(private readonly stack: Stack) {
    super();
  }

  prepare(): void {
    const stack = this.stack;
    if (stack.iface.hasTcp && stack.iface.flush(stack.loop.now())) stack.schedule();
  }
}

// Logs leases gained and lost, and tells the stack's listener about new ones.
class LeaseLog extends DhcpListener {
  constructor(private readonly stack: Stack) {
    super();
  }

  leased(client: DhcpClient, now: i64): void {
    const config = client.iface.config;
    // An info line: its time and level from the logger, then the lease written in parts.
    if (log.info("dhcp: ").on) {
      putIpv4(config.cidr.addr);
      line.char(0x2f).uint(config.cidr.prefixLen).str(" gw ");
      putIpv4(config.gateway);
      line.str(" dns ");
      putIpv4(config.dns);
      line.str(" lease ");
      if (client.leaseTime == 0xffffffff) line.str("infinite");
      else line.uint(client.leaseTime).char(0x73);
      line.nl();
    }
    this.stack.notify(now);
  }

  lost(client: DhcpClient, now: i64): void {
    log.warn("dhcp: lost the lease; asking again").end();
  }
}

/**
 * The network stack of one device. `Stack.open("service")` acquires the net
 * device `service` (which the build lists in the manifest), configures it
 * from the command line (`ip=10.0.0.2/24 gw=10.0.0.1 dns=10.0.0.1`) or else
 * by DHCP, and hands its frames to the interface from the event loop.
 */
export class Stack {
  /** The interface: bind sockets, send datagrams, read counters. */
  readonly iface: Interface;
  /** The DHCP client, once `startDhcp` has run (`Stack.open` runs it when there is no ip=). */
  dhcp: DhcpClient | null = null;
  private readonly timer: PollTimer = new PollTimer();
  private listener: StackListener | null = null;

  constructor(
    /** The device the stack runs on. */
    readonly device: NetDevice,
    /** The loop that drives it. */
    readonly loop: Loop,
  ) {
    this.iface = new Interface(new DeviceLink(device), device.mac, device.mtu);
    setDefaultTcpMemory(memoryLimit() / 2); // TCP's memory budget (TcpConfig.memory): half of what memory may grow to
    this.timer.stack = this;
    loop.on(device.handle, new DeviceReader(this));
    // Whichever way the app reached TCP (this class, `iface.tcp`, a server on top), what it writes
    // outside the stack's callbacks goes out at the start of the next loop turn.
    loop.prepare(new Flusher(this));
  }

  /**
   * Opens net device `name` on the app's loop and configures it from the
   * command line, or by DHCP when there is no ip= (sockets may be bound at
   * once; `onConfigured` says when the address is there). The name must be a
   * string literal (the build lists it in the image's manifest).
   */
  static open(name: string): Stack {
    const stack = new Stack(NetDevice.open(name), mainLoop());
    if (!stack.iface.config.fromArgs()) stack.startDhcp(random64());
    return stack;
  }

  /**
   * Listens for TCP connections on `port`: `acceptor` gives each new
   * connection its handler (or refuses it). Null if the port is taken.
   */
  listen(port: u32, acceptor: TcpAcceptor): TcpListener | null {
    return this.iface.listenTcp(port, acceptor);
  }

  /** Opens a TCP connection to `addr:port`; `handler` hears how it goes. Null if the table is full. */
  connect(addr: u32, port: u32, handler: TcpHandler): TcpConnection | null {
    const conn = this.iface.connectTcp(addr, port, handler, this.loop.now());
    this.schedule();
    return conn;
  }

  /** Starts a DHCP client on the interface (`seed` for its xids and jitter); false if UDP port 68 is taken. */
  startDhcp(seed: u64): bool {
    let dhcp = this.dhcp;
    if (!dhcp) {
      this.dhcp = dhcp = new DhcpClient(this.iface, seed);
      dhcp.listener = new LeaseLog(this);
    }
    const started = dhcp.start(this.loop.now());
    this.schedule();
    return started;
  }

  /** Calls `listener` when the interface has an address: at once if it has one, else on each new DHCP lease. */
  onConfigured(listener: StackListener): void {
    this.listener = listener;
    if (this.iface.config.configured) listener.configured(this, this.loop.now());
  }

  /** Tells the listener, if any, that the interface has an address (called by the DHCP client's listener). */
  notify(now: i64): void {
    const listener = this.listener;
    if (listener) listener.configured(this, now);
  }

  /** Arms the stack's timer for the interface's next expiry or the DHCP client's next timeout, if any. */
  schedule(): void {
    const dhcp = this.dhcp;
    const at = dhcp ? min(this.iface.pollAt(), dhcp.pollAt()) : this.iface.pollAt();
    if (at == i64.MAX_VALUE) this.timer.cancel();
    else if (!this.timer.armed || this.timer.deadline != at) this.loop.at(this.timer, at);
  }
}
