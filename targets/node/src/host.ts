// The ABI calls: the `tessera` import object, built by iterating the table.
import { CALLS, CONSOLE_READY_BIT, RESULTS, type TesseraImports } from "@tessera/abi";
import type { DeviceTable } from "./devices.js";
import { RUNG, SLEEPING } from "./doorbell.js";
import { ExitSignal } from "./errors.js";
import { guard, type HostFn } from "./guard.js";
import type { ConsoleInput } from "./input.js";
import { monotonic, wallClock } from "./clock.js";
import { writeFrameAt } from "./net/write.js";

/** What the calls need from the tender. */
export interface HostEnv {
  /** The guest memory (set after instantiation; read `.buffer` afresh on every call). */
  memory: () => WebAssembly.Memory;
  /** The memory's maximum in bytes, as compiled into the module (capMemory). */
  memoryLimit: number;
  cmdline: Uint8Array;
  stdout: (b: Uint8Array) => void;
  stderr: (b: Uint8Array) => void;
  /** Console input, or null if the image does not import console_read. */
  input: ConsoleInput | null;
  devices: DeviceTable;
  /** Shared doorbell (doorbell.ts: RUNG, and SLEEPING if it has two words) that input sources ring; yield sleeps on it. */
  doorbell: Int32Array;
  /** crypto.randomFillSync, loaded only if the image imports entropy. */
  randomFill: ((b: Uint8Array) => void) | null;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();
const CONSOLE_BIT = 1n << BigInt(CONSOLE_READY_BIT);

function panicNow(env: HostEnv, message: string): never {
  env.stderr(utf8.encode(`panic: ${message}\n`));
  throw new ExitSignal(255);
}

/** The implementations; arguments have already been checked by guard(). */
function calls(env: HostEnv): TesseraImports {
  const bytes = (ptr: number, len: number) => new Uint8Array(env.memory().buffer, ptr, len);
  const view = () => new DataView(env.memory().buffer);
  const wall = wallClock();
  // End of input is reported by console_read every time it is asked, but by
  // yield only until the guest has read it once, or a guest with timers and
  // nothing left to read would never sleep again.
  let endSeen = false;
  const readySet = (): bigint => (!endSeen && env.input?.ready() ? CONSOLE_BIT : 0n) | env.devices.netReady();
  const wanted = (kind: "net" | "block", name: number, nameLen: number): string | null => {
    const n = text.decode(bytes(name, nameLen));
    return env.devices.find(n, kind) && !env.devices.acquired(n) ? n : null;
  };
  return {
    exit(status) {
      if (status < 0 || status > 254) {
        env.stderr(utf8.encode(`tessera: exit status ${status} is outside 0..254; exiting with 255\n`));
        throw new ExitSignal(255);
      }
      throw new ExitSignal(status);
    },
    panic: (msg, len) => panicNow(env, text.decode(bytes(msg, len))),
    console_write(ptr, len) {
      env.stdout(bytes(ptr, len));
      return RESULTS.OK;
    },
    console_read(ptr, cap, lenOut) {
      const n = env.input?.read(bytes(ptr, cap)) ?? null;
      if (n === null) return RESULTS.AGAIN;
      if (n === 0 && cap > 0) endSeen = true;
      view().setUint32(lenOut, n, true);
      return RESULTS.OK;
    },
    clock_monotonic: monotonic,
    clock_wall: wall,
    entropy(ptr, len) {
      if (!env.randomFill) return RESULTS.EUNSPEC;
      env.randomFill(bytes(ptr, len));
      return RESULTS.OK;
    },
    cmdline(ptr, cap) {
      const n = Math.min(cap, env.cmdline.length);
      bytes(ptr, n).set(env.cmdline.subarray(0, n));
      return env.cmdline.length;
    },
    yield(deadline) {
      const bell = env.doorbell;
      const flag = bell.length > SLEEPING; // tests may hand in a one-word doorbell
      for (;;) {
        const seq = Atomics.load(bell, RUNG);
        let ready = readySet();
        if (ready !== 0n) return BigInt.asIntN(64, ready);
        const now = monotonic();
        if (deadline <= now) return 0n;
        if (flag) {
          // Say we are going to sleep, then look once more: a source that saw
          // the flag clear has delivered before this second look.
          Atomics.store(bell, SLEEPING, 1);
          ready = readySet();
          if (ready !== 0n) {
            Atomics.store(bell, SLEEPING, 0);
            return BigInt.asIntN(64, ready);
          }
        }
        Atomics.wait(bell, RUNG, seq, Number(deadline - now) / 1e6);
        if (flag) Atomics.store(bell, SLEEPING, 0);
      }
    },
    net_acquire(name, nameLen, handleOut, infoOut) {
      const n = wanted("net", name, nameLen);
      const got = n === null ? null : env.devices.acquireNet(n);
      if (!got) return RESULTS.EINVAL;
      const v = view();
      v.setUint32(handleOut, got.handle, true);
      bytes(infoOut, 6).set(got.device.mac);
      v.setUint16(infoOut + 6, 0, true);
      v.setUint32(infoOut + 8, got.device.mtu, true);
      return RESULTS.OK;
    },
    net_write(h, ptr, len) {
      const device = env.devices.netAt(h);
      if (len < 14 || len > device.mtu + 14) return RESULTS.EINVAL;
      return device.write ? device.write(bytes(ptr, len)) : writeFrameAt(device.fd, env.memory().buffer, ptr, len);
    },
    net_read(h, ptr, cap, lenOut) {
      const ring = env.devices.netAt(h).ring;
      const n = ring.peekLength();
      if (n === null) return RESULTS.AGAIN;
      if (n > cap) return RESULTS.EINVAL; // the frame stays for a larger buffer
      view().setUint32(lenOut, ring.pop(bytes(ptr, n)), true);
      return RESULTS.OK;
    },
    block_acquire(name, nameLen, handleOut, infoOut) {
      const n = wanted("block", name, nameLen);
      const got = n === null ? null : env.devices.acquireBlock(n);
      if (!got) return RESULTS.EINVAL;
      const v = view();
      v.setUint32(handleOut, got.handle, true);
      v.setBigUint64(infoOut, got.disk.capacity, true);
      v.setUint32(infoOut + 8, got.disk.blockSize, true);
      v.setUint32(infoOut + 12, 0, true);
      return RESULTS.OK;
    },
    block_read: (h, offset, ptr, len) => env.devices.diskAt(h).read(offset, bytes(ptr, len)),
    block_write: (h, offset, ptr, len) => env.devices.diskAt(h).write(offset, bytes(ptr, len)),
    block_flush: (h) => env.devices.diskAt(h).flush(),
    // The engine enforces the maximum, so the memory never holds more; the
    // max() only keeps the promise if a test hands in a smaller limit.
    memory_limit: () => BigInt(Math.max(env.memoryLimit, env.memory().buffer.byteLength)),
  };
}

/** The `tessera` import module: one guarded function per entry of CALLS. */
export function createImports(env: HostEnv): Record<string, HostFn> {
  const impl = calls(env);
  const out: Record<string, HostFn> = {};
  for (const call of CALLS) {
    const fn = impl[call.name as keyof TesseraImports] as HostFn | undefined;
    if (!fn) throw new Error(`no implementation of tessera.${call.name}`);
    out[call.name] = guard(call, fn, {
      memorySize: () => env.memory().buffer.byteLength,
      owns: (h, group) => env.devices.owns(h, group),
      badPanic: () => panicNow(env, "<message pointer outside memory>"),
    });
  }
  return out;
}
