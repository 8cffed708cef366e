// The user-mode network's gateway program (targets/node/gateway, AssemblyScript
// built into gateway.wasm by scripts/build-gateway.mjs) behind a TypeScript
// face. It is Tessera's own network stack: DHCP server, ARP, ping and TCP for
// 10.0.2.2 on the guest's link. This wrapper does no I/O: frames for the guest
// go to `frameOut`, connection events are queued until `takeEvents`.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { TenderError } from "../errors.js";

/** The gateway's address on the user-mode network. */
export const GATEWAY_ADDR = "10.0.2.2";
/** The address the gateway's DHCP server gives the guest. */
export const GUEST_ADDR = "10.0.2.15";

/** What happened to a connection (the gateway's `event` kinds). */
export const GwEvent = { Connected: 1, Readable: 2, Writable: 3, Closed: 4 } as const;

/** Why a connection closed (packages/net's CloseReason). */
export const GwCloseReason = { Normal: 0, Reset: 1, Refused: 2, TimedOut: 3, Aborted: 4 } as const;

/** `connect`: the guest has no address yet. */
export const NOT_UP = -2;
/** `connect`: the gateway's connection table is full. */
export const FULL = -1;
/** `read`: the guest closed its direction and everything has been read. */
export const EOF = null;

interface Exports {
  memory: WebAssembly.Memory;
  gw_init(maxConnections: number): void;
  gw_buffer(): number;
  gw_frame_in(len: number, now: bigint): void;
  gw_poll(now: bigint): void;
  gw_poll_at(): bigint;
  gw_guest_up(): number;
  gw_connect(port: number, now: bigint): number;
  gw_write(id: number, len: number, now: bigint): number;
  gw_writable(id: number): number;
  gw_read(id: number, cap: number, now: bigint): number;
  gw_close(id: number, now: bigint): void;
  gw_abort(id: number, now: bigint): void;
  gw_release(id: number): void;
  gw_stat(which: number): bigint;
}

const BUFFER = 65536;
const NEVER = 0x7fffffffffffffffn;

/** Path of the compiled gateway (built by `npm run build`). */
export function gatewayPath(): string {
  return createRequire(import.meta.url).resolve("@tessera/node/gateway/build/gateway.wasm");
}

let compiled: WebAssembly.Module | null = null;

/** The compiled gateway module, or a TenderError saying how to build it. */
export function gatewayModule(path?: string): WebAssembly.Module {
  if (compiled && !path) return compiled;
  let file = path ?? "";
  try {
    file ||= gatewayPath();
  } catch {
    /* not built */
  }
  if (!file || !existsSync(file))
    throw new TenderError("user-mode networking: the gateway is not built (run npm run build)");
  const module = new WebAssembly.Module(readFileSync(file));
  if (!path) compiled = module;
  return module;
}

/** One instance of the gateway program. */
export class GatewayCore {
  /** Events not yet taken, as [id, kind, arg] triples. */
  private events: number[] = [];
  private readonly x: Exports;
  private readonly buf: number;

  /**
   * Instantiates the gateway; `frameOut` receives each frame for the guest
   * (a view into the gateway's memory, valid only during the call).
   */
  constructor(
    frameOut: (frame: Uint8Array) => void,
    opts: { module?: WebAssembly.Module; maxConnections?: number; now?: () => bigint } = {},
  ) {
    if (opts.now) this.now = opts.now;
    let memory: WebAssembly.Memory | null = null;
    const text = (ptr: number): string => {
      if (!memory || !ptr) return "";
      const u16 = new Uint16Array(memory.buffer);
      const len = new Uint32Array(memory.buffer)[(ptr - 4) >>> 2] >>> 1;
      return String.fromCharCode(...u16.subarray(ptr >>> 1, (ptr >>> 1) + len));
    };
    const instance = new WebAssembly.Instance(opts.module ?? gatewayModule(), {
      host: {
        frame_out: (ptr: number, len: number) => {
          frameOut(new Uint8Array(memory!.buffer, ptr, len));
          return 1;
        },
        event: (id: number, kind: number, arg: number) => void this.events.push(id, kind, arg),
      },
      env: {
        abort: (msg: number, file: number, line: number, col: number) => {
          throw new Error(`gateway: ${text(msg)} at ${text(file)}:${line}:${col}`);
        },
        seed: () => Date.now(),
      },
    });
    this.x = instance.exports as unknown as Exports;
    memory = this.x.memory;
    this.x.gw_init(opts.maxConnections ?? 1024);
    this.buf = this.x.gw_buffer();
  }

  /** The clock the gateway runs on (ns). */
  now: () => bigint = () => process.hrtime.bigint();

  private io(len: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.buf, len);
  }

  /** Hands the gateway a frame from the guest. */
  frameIn(frame: Uint8Array): void {
    if (frame.length > BUFFER) return;
    this.io(frame.length).set(frame);
    this.x.gw_frame_in(frame.length, this.now());
  }

  /** Runs what is due. */
  poll(): void {
    this.x.gw_poll(this.now());
  }

  /** Milliseconds until `poll` has something to do, or null for nothing. */
  pollIn(): number | null {
    const at = this.x.gw_poll_at();
    if (at === NEVER) return null;
    const d = Number(at - this.now()) / 1e6;
    return d > 0 ? d : 0;
  }

  /** Whether the guest has an address. */
  get guestUp(): boolean {
    return this.x.gw_guest_up() !== 0;
  }

  /** Opens a connection to the guest's `port`: its id, or NOT_UP or FULL. */
  connect(port: number): number {
    return this.x.gw_connect(port, this.now());
  }

  /** Queues bytes on connection `id`; returns how many it took (0: its send buffer is full). */
  write(id: number, data: Uint8Array): number {
    const n = Math.min(data.length, BUFFER);
    this.io(n).set(data.subarray(0, n));
    return this.x.gw_write(id, n, this.now());
  }

  /** Bytes connection `id` can take now. */
  writable(id: number): number {
    return this.x.gw_writable(id);
  }

  /** A copy of up to `cap` received bytes (empty: none yet), or EOF (null) once the guest has closed and all is read. */
  read(id: number, cap = BUFFER): Uint8Array | null {
    const n = this.x.gw_read(id, Math.min(cap, BUFFER), this.now());
    if (n < 0) return EOF;
    return this.io(n).slice();
  }

  /** Closes the gateway's direction of connection `id` (FIN after the queued bytes). */
  close(id: number): void {
    this.x.gw_close(id, this.now());
  }

  /** Resets connection `id`. */
  abort(id: number): void {
    this.x.gw_abort(id, this.now());
  }

  /** Forgets `id`: no more events for it; the id may be reused. */
  release(id: number): void {
    this.x.gw_release(id);
  }

  /** The events since the last call, as [id, kind, arg] triples. */
  takeEvents(): number[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Counters: DHCP offers, acks and naks, live TCP connections, RSTs to closed ports, frames in and out. */
  stats(): { offers: number; acks: number; naks: number; connections: number; resets: number; rx: number; tx: number } {
    const s = (i: number) => Number(this.x.gw_stat(i));
    return { offers: s(0), acks: s(1), naks: s(2), connections: s(3), resets: s(4), rx: s(5), tx: s(6) };
  }
}
