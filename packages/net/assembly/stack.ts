// A network stack assembled from its parts: a net device from the host, an
// interface over it, and the event loop that feeds one to the other.

import { fail } from "@tessera/runtime/assembly/abort";
import { Loop, mainLoop, ReadyHandler } from "@tessera/runtime/assembly/loop";
import { Timer } from "@tessera/runtime/assembly/heap";
import { NetDevice } from "./device";
import { Interface } from "./iface/interface";
import { Link } from "./iface/link";

// Sends the interface's frames out of the device.
class DeviceLink extends Link {
  constructor(private readonly device: NetDevice) {
    super();
  }

  send(ptr: usize, len: u32): bool {
    return this.device.write(ptr, len);
  }
}

// Drains the device when the loop says it has frames, then re-arms the interface's timer.
class DeviceReader extends ReadyHandler {
  private readonly buffer: StaticArray<u8>;

  constructor(private readonly stack: Stack) {
    super();
    this.buffer = new StaticArray<u8>(<i32>stack.device.frameSize);
  }

  ready(now: i64): void {
    const buf = changetype<usize>(this.buffer);
    const cap = <u32>this.buffer.length;
    for (let n = this.stack.device.read(buf, cap); n != 0; n = this.stack.device.read(buf, cap)) {
      this.stack.iface.receive(buf, n, now);
    }
    this.stack.schedule();
  }
}

// Runs the interface's expiries (ARP, queued frames, fragments) when they are due.
class PollTimer extends Timer {
  /** Set once the stack exists (a field initializer cannot pass `this`). */
  stack: Stack | null = null;

  fire(now: i64): void {
    const stack = this.stack!;
    stack.iface.poll(now);
    stack.schedule();
  }
}

/**
 * The network stack of one device. `Stack.open("service")` acquires the net
 * device `service` (which the build lists in the manifest), configures it
 * from the command line (`ip=10.0.0.2/24 gw=10.0.0.1 dns=10.0.0.1`) and
 * hands its frames to the interface from the event loop.
 */
export class Stack {
  /** The interface: bind sockets, send datagrams, read counters. */
  readonly iface: Interface;
  private readonly timer: PollTimer = new PollTimer();

  constructor(
    /** The device the stack runs on. */
    readonly device: NetDevice,
    /** The loop that drives it. */
    readonly loop: Loop,
  ) {
    this.iface = new Interface(new DeviceLink(device), device.mac, device.mtu);
    this.timer.stack = this;
    loop.on(device.handle, new DeviceReader(this));
  }

  /**
   * Opens net device `name` on the app's loop and configures it from the
   * command line. The name must be a string literal (the build lists it in
   * the image's manifest).
   */
  static open(name: string): Stack {
    const stack = new Stack(NetDevice.open(name), mainLoop());
    if (!stack.iface.config.fromArgs())
      fail("net device " + name + ": no ip= argument (give e.g. -- ip=10.0.0.2/24 gw=10.0.0.1)");
    return stack;
  }

  /** Arms the interface's timer for its next expiry, if it has one. */
  schedule(): void {
    const at = this.iface.pollAt();
    if (at == i64.MAX_VALUE) this.timer.cancel();
    else if (!this.timer.armed || this.timer.deadline != at) this.loop.at(this.timer, at);
  }
}
