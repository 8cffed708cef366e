// The user-mode network's gateway program (targets/node/gateway, AssemblyScript
// built into gateway.wasm by scripts/build-gateway.mjs) behind a TypeScript
// face. It is Tessera's own network stack: DHCP server, ARP, ping and TCP for
// 10.0.2.2 on the guest's link, the resolver 10.0.2.3 and the NAT of the
// guest's own connections and datagrams. This wrapper does no I/O: frames for
// the guest go to `frameOut`, connection events, host connections to open and
// UDP flows ended are queued until `takeEvents`, `takeOpens`, `takeUdpClosed`;
// datagrams for the host go to `udpOut`.
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

/** `tcpOpened`'s results: the host's connection was made, refused (ECONNREFUSED), or failed otherwise. */
export const GwOpen = { Made: 0, Refused: 1, Failed: 2 } as const;

/** The NAT's bounds by default: the guest's own TCP connections, and its UDP flows, at once. */
export const MAX_OUTBOUND = 512;
export const MAX_UDP_FLOWS = 256;

/** A host TCP connection the gateway asks for: the guest's connection `id` to `addr:port` (dotted IPv4). */
export interface GwOpenRequest {
  id: number;
  addr: string;
  port: number;
}

/** Where the gateway's UDP flows send: `flow`'s socket sends `data` (a view, valid during the call) to `addr:port`. */
export type UdpOut = (flow: number, addr: string, port: number, data: Uint8Array) => void;

/** A dotted IPv4 address from its number (host order). */
export function ipv4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** An IPv4 address as a number (host order), or -1 if `text` is not one. */
export function ipv4Number(text: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return -1;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return -1;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}

interface Exports {
  memory: WebAssembly.Memory;
  gw_init(maxConnections: number, outbound: number, udpFlows: number): void;
  gw_hosts(len: number): void;
  gw_resolv_conf(len: number): void;
  gw_tcp_opened(id: number, result: number, now: bigint): number;
  gw_udp_in(flow: number, addr: number, port: number, len: number, now: bigint): void;
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

/** The gateway's counters. */
export interface GatewayStats {
  offers: number;
  acks: number;
  naks: number;
  connections: number;
  resets: number;
  rx: number;
  tx: number;
  /** The guest's own TCP connections: opened, refused for a full table, refused by the host, failed, open now. */
  outboundOpened: number;
  outboundFull: number;
  hostRefused: number;
  hostFailed: number;
  outbound: number;
  /** UDP flows opened, datagrams dropped for a full table, flows now. */
  udpFlowsOpened: number;
  udpFull: number;
  udpFlows: number;
  /** DNS queries answered by the resolver itself, and forwarded; nameservers and hosts-file names it has. */
  dnsAnswered: number;
  dnsForwarded: number;
  nameservers: number;
  hostNames: number;
  /** Garbage collections so far (at the end of poll), and the bytes of the gateway's linear memory. */
  collections: number;
  memoryBytes: number;
}

/** One instance of the gateway program. */
export class GatewayCore {
  /** Events not yet taken, as [id, kind, arg] triples. */
  private events: number[] = [];
  /** Host connections to open, not yet taken. */
  private opens: GwOpenRequest[] = [];
  /** UDP flows ended, not yet taken. */
  private udpClosed: number[] = [];
  private readonly x: Exports;
  private readonly buf: number;

  /**
   * Instantiates the gateway; `frameOut` receives each frame for the guest
   * (a view into the gateway's memory, valid only during the call).
   */
  constructor(
    frameOut: (frame: Uint8Array) => void,
    opts: {
      module?: WebAssembly.Module;
      maxConnections?: number;
      /** The guest's own TCP connections at once (default MAX_OUTBOUND). */
      maxOutbound?: number;
      /** UDP flows at once (default MAX_UDP_FLOWS). */
      maxUdpFlows?: number;
      /** Where datagrams for the host go (default: dropped). */
      udpOut?: UdpOut;
      /** The hosts file's and resolv.conf's text, for the resolver at 10.0.2.3. */
      hosts?: Uint8Array;
      resolvConf?: Uint8Array;
      now?: () => bigint;
    } = {},
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
        tcp_open: (id: number, addr: number, port: number) => void this.opens.push({ id, addr: ipv4Text(addr), port }),
        udp_send: (flow: number, addr: number, port: number, ptr: number, len: number) =>
          opts.udpOut?.(flow, ipv4Text(addr), port, new Uint8Array(memory!.buffer, ptr, len)),
        udp_close: (flow: number) => void this.udpClosed.push(flow),
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
    this.x.gw_init(opts.maxConnections ?? 1024, opts.maxOutbound ?? MAX_OUTBOUND, opts.maxUdpFlows ?? MAX_UDP_FLOWS);
    this.buf = this.x.gw_buffer();
    if (opts.hosts?.length) this.x.gw_hosts(this.copyIn(opts.hosts));
    if (opts.resolvConf?.length) this.x.gw_resolv_conf(this.copyIn(opts.resolvConf));
  }

  /** The clock the gateway runs on (ns). */
  now: () => bigint = () => process.hrtime.bigint();

  private io(len: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, this.buf, len);
  }

  // Copies up to BUFFER bytes into the gateway's buffer; how many.
  private copyIn(data: Uint8Array): number {
    const n = Math.min(data.length, BUFFER);
    this.io(n).set(data.subarray(0, n));
    return n;
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

  /**
   * The host's connection for the guest's connection `id` was made (GwOpen.Made), refused or failed:
   * true if it goes on (its events follow), false if not (`id` is released already: close the socket).
   */
  tcpOpened(id: number, result: number): boolean {
    return this.x.gw_tcp_opened(id, result, this.now()) !== 0;
  }

  /** A datagram for UDP flow `flow` from the host's `addr:port` (dotted IPv4): to the guest. */
  udpIn(flow: number, addr: string, port: number, data: Uint8Array): void {
    const a = ipv4Number(addr);
    if (a < 0 || data.length > BUFFER) return;
    this.x.gw_udp_in(flow, a, port, this.copyIn(data), this.now());
  }

  /** The host connections the gateway asked for since the last call. */
  takeOpens(): GwOpenRequest[] {
    const o = this.opens;
    this.opens = [];
    return o;
  }

  /** The UDP flows that ended since the last call: close their sockets. */
  takeUdpClosed(): number[] {
    const c = this.udpClosed;
    this.udpClosed = [];
    return c;
  }

  /** The events since the last call, as [id, kind, arg] triples. */
  takeEvents(): number[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Counters: DHCP, TCP, frames, and the NAT's and resolver's (see gw_stat in the gateway's index.ts). */
  stats(): GatewayStats {
    const s = (i: number) => Number(this.x.gw_stat(i));
    return {
      offers: s(0),
      acks: s(1),
      naks: s(2),
      connections: s(3),
      resets: s(4),
      rx: s(5),
      tx: s(6),
      outboundOpened: s(7),
      outboundFull: s(8),
      hostRefused: s(9),
      outbound: s(10),
      udpFlowsOpened: s(11),
      udpFull: s(12),
      udpFlows: s(13),
      dnsAnswered: s(14),
      dnsForwarded: s(15),
      nameservers: s(16),
      hostNames: s(17),
      hostFailed: s(18),
      collections: s(19),
      memoryBytes: s(20),
    };
  }
}
