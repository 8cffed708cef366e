// The gateway worker of the `user` net backend (see user.ts): runs the gateway
// program, moves frames between it and the guest's rings, listens on every
// published port and splices each host connection to a TCP connection from
// the gateway to the guest, both ways, with backpressure:
//
// - host -> guest: bytes the gateway's send buffer cannot take wait here and
//   the host socket is paused until the gateway says `writable`;
// - guest -> host: the gateway is read only while the host socket's write()
//   has room (until 'drain'), so its receive window closes on a slow host;
// - a FIN either way is passed on as a half-close (socket.end / gateway close);
//   a reset either way becomes a reset on the other side.
//
// A host connection that arrives before the guest has an address waits for
// one (up to connectWaitMs); a guest that refuses it (RST) resets it.
//
// Outbound (the gateway's NAT): a guest's SYN to any address makes the gateway
// ask for a host connection (takeOpens); it is opened here without blocking,
// and its outcome answers the guest's SYN (tcpOpened: SYN-ACK, or RST when
// refused); then it is spliced as above. The guest's UDP flows each get a
// dgram socket here, made on their first datagram and closed when the gateway
// says the flow has ended; replies go back to the gateway (udpIn).
import { writeSync } from "node:fs";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import {
  EOF,
  FULL,
  GatewayCore,
  gatewayModule,
  GwCloseReason,
  GwEvent,
  GwOpen,
  NOT_UP,
  type GwOpenRequest,
} from "./gateway-core.js";
import { hostPortText, type Publish } from "./publish.js";
import type { GatewayReady, GatewayWorkerData, Listening } from "./user.js";
import { RingEnd } from "./user-ring.js";

/** Frames for the guest held here while its ring is full, at most. */
const BACKLOG_MAX = 16384;
/** How often a backlog is offered to the guest's ring again, in ms. */
const BACKLOG_RETRY_MS = 1;
/** How often a host connection asks again for a guest without an address, in ms. */
const CONNECT_RETRY_MS = 50;

const data = workerData as GatewayWorkerData;
const toGuest = new RingEnd(data.toGuest);
const toGateway = new RingEnd(data.toGateway);
const bell = new Int32Array(data.bell);
const doorbell = new Int32Array(data.doorbell);

function fatal(e: unknown): never {
  writeSync(2, `tessera: user-mode network: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
}

// ---- frames to the guest ---------------------------------------------------

const backlog: Uint8Array[] = [];
let backlogTimer: NodeJS.Timeout | null = null;
let delivered = false;

function frameOut(frame: Uint8Array): void {
  if (backlog.length === 0 && !toGuest.full) {
    toGuest.push(frame);
    delivered = true;
  } else if (backlog.length < BACKLOG_MAX) {
    backlog.push(frame.slice());
  } // else dropped, as by a full NIC queue: TCP sends it again
}

function flushBacklog(): void {
  let i = 0;
  while (i < backlog.length && !toGuest.full) toGuest.push(backlog[i++]);
  if (i > 0) {
    backlog.splice(0, i);
    delivered = true;
  }
  if (backlog.length > 0 && !backlogTimer)
    backlogTimer = setTimeout(() => {
      backlogTimer = null;
      settle();
    }, BACKLOG_RETRY_MS);
}

function ringDoorbell(): void {
  if (!delivered) return;
  delivered = false;
  Atomics.add(doorbell, 0, 1);
  Atomics.notify(doorbell, 0);
}

// ---- UDP flows ---------------------------------------------------------------

const udpSockets = new Map<number, UdpSocket>();

function udpOut(flow: number, addr: string, port: number, datagram: Uint8Array): void {
  let sock = udpSockets.get(flow);
  if (!sock) {
    const s = createSocket("udp4");
    s.on("message", (msg, from) => {
      if (udpSockets.get(flow) !== s) return;
      core.udpIn(flow, from.address, from.port, msg);
      settle();
    });
    s.on("error", () => {}); // e.g. ECONNREFUSED from an ICMP error: the guest hears nothing, as from a lost datagram
    udpSockets.set(flow, s);
    sock = s;
  }
  sock.send(Buffer.from(datagram), port, addr, () => {});
}

function udpClose(flow: number): void {
  udpSockets.get(flow)?.close();
  udpSockets.delete(flow);
}

const core = new GatewayCore(frameOut, {
  module: gatewayModule(data.wasm),
  udpOut,
  hosts: data.hosts,
  resolvConf: data.resolvConf,
});

// ---- host connections ------------------------------------------------------

const splices = new Map<number, Splice>();

/** One host connection and the gateway's connection to the guest for it. */
class Splice {
  id = -1;
  private connected = false;
  /** The host sent FIN. */
  private hostEnded = false;
  /** We passed the host's FIN on (gateway close). */
  private finSent = false;
  /** The guest sent FIN and we passed it on (socket.end). */
  private guestEnded = false;
  /** Host bytes the gateway has not taken yet. */
  private pending: Uint8Array | null = null;
  private waitingDrain = false;
  /** The gateway's connection closed normally; bytes may still wait for the host socket's room. */
  private gatewayDone = false;
  private readonly started = Date.now();
  /** An outbound connection whose host socket is still connecting. */
  private opening = false;

  /** A published port's host connection to `guestPort`; or, with `outboundId`, the host's side of the guest's own connection. */
  constructor(
    private readonly sock: Socket,
    private readonly guestPort: number,
    outboundId = -1,
  ) {
    sock.setNoDelay(true);
    sock.on("data", (b: Buffer) => {
      this.fromHost(b);
      settle();
    });
    sock.on("end", () => {
      this.hostEnded = true;
      this.passFin();
      settle();
    });
    sock.on("error", () => {}); // 'close' follows
    sock.on("close", (hadError: boolean) => {
      this.hostClosed(hadError);
      settle();
    });
    if (outboundId < 0) {
      this.connect();
      return;
    }
    this.id = outboundId;
    this.opening = true;
    splices.set(outboundId, this);
    let code = "";
    sock.once("error", (e: NodeJS.ErrnoException) => (code = e.code ?? ""));
    sock.once("connect", () => {
      this.opening = false;
      if (!core.tcpOpened(this.id, GwOpen.Made)) this.forget(); // the id is released already
      settle();
    });
    // Failed before it connected: the guest's SYN is answered with a RST.
    sock.once("close", () => {
      if (!this.opening || this.id < 0) return;
      this.opening = false;
      core.tcpOpened(this.id, code === "ECONNREFUSED" ? GwOpen.Refused : GwOpen.Failed);
      this.forget();
    });
  }

  // Drops the id without releasing it (the gateway has), and the host socket.
  private forget(): void {
    splices.delete(this.id);
    this.id = -1;
    if (!this.sock.destroyed) this.sock.destroy();
  }

  private connect(): void {
    if (this.sock.destroyed) return;
    const id = core.connect(this.guestPort);
    if (id === NOT_UP && Date.now() - this.started < data.connectWaitMs) {
      setTimeout(() => {
        this.connect();
        settle();
      }, CONNECT_RETRY_MS);
      return;
    }
    if (id === NOT_UP || id === FULL) {
      this.sock.resetAndDestroy();
      return;
    }
    this.id = id;
    splices.set(id, this);
  }

  /** A gateway event for this connection. */
  event(kind: number, arg: number): void {
    if (kind === GwEvent.Connected) {
      this.connected = true;
      this.flush();
    } else if (kind === GwEvent.Readable) {
      this.pump();
    } else if (kind === GwEvent.Writable) {
      this.flush();
    } else if (kind === GwEvent.Closed) {
      if (arg === GwCloseReason.Normal) {
        this.gatewayDone = true;
        this.pump();
        this.finishNormal();
        return;
      }
      if (!this.sock.destroyed) this.sock.resetAndDestroy();
      this.release();
    }
  }

  private fromHost(b: Uint8Array): void {
    this.pending = this.pending ? Buffer.concat([this.pending, b]) : b;
    this.flush();
  }

  // Hands pending host bytes to the gateway; pauses the host while it cannot take them all.
  private flush(): void {
    if (this.id < 0 || !this.connected) {
      if (this.pending) this.sock.pause();
      return;
    }
    let p = this.pending;
    while (p) {
      const n = core.write(this.id, p);
      if (n === 0) break;
      p = n === p.length ? null : p.subarray(n);
    }
    this.pending = p;
    if (p) {
      this.sock.pause();
      return;
    }
    if (this.hostEnded) this.passFin();
    else if (!this.sock.destroyed) this.sock.resume();
  }

  private passFin(): void {
    if (this.finSent || this.pending || this.id < 0 || !this.connected) return;
    this.finSent = true;
    core.close(this.id);
  }

  // Moves the guest's bytes to the host while the host socket has room.
  private pump(): void {
    while (this.id >= 0 && !this.waitingDrain && !this.guestEnded) {
      if (this.sock.destroyed || this.sock.writableEnded) return;
      const r = core.read(this.id);
      if (r === EOF) {
        this.guestEnded = true;
        this.sock.end();
        return;
      }
      if (r.length === 0) return;
      if (!this.sock.write(r)) {
        this.waitingDrain = true;
        this.sock.once("drain", () => {
          this.waitingDrain = false;
          this.pump();
          this.finishNormal();
          settle();
        });
      }
    }
  }

  // After a normal close, once the host socket has taken every byte: the end, and the id is free.
  private finishNormal(): void {
    if (!this.gatewayDone || this.waitingDrain || this.id < 0) return;
    if (!this.guestEnded && !this.sock.destroyed) this.sock.end();
    this.guestEnded = true;
    this.release();
  }

  private hostClosed(hadError: boolean): void {
    if (this.id < 0 || this.opening) return;
    // Both directions finished: the gateway's connection ends by itself (LAST-ACK or TIME-WAIT).
    if (!hadError && this.finSent && this.guestEnded) this.release();
    else {
      core.abort(this.id); // the guest gets a RST; abort releases the id too
      splices.delete(this.id);
      this.id = -1;
    }
  }

  private release(): void {
    if (this.id < 0) return;
    core.release(this.id);
    splices.delete(this.id);
    this.id = -1;
  }
}

// ---- the loop ----------------------------------------------------------------

let timer: NodeJS.Timeout | null = null;
let timerAt = Infinity;

// After anything happened: pass the gateway's events on, deliver frames, rearm the gateway's timer.
function settle(): void {
  for (;;) {
    for (const o of core.takeOpens()) openHost(o);
    for (const flow of core.takeUdpClosed()) udpClose(flow);
    const ev = core.takeEvents();
    if (ev.length === 0) break;
    for (let i = 0; i < ev.length; i += 3) splices.get(ev[i])?.event(ev[i + 1], ev[i + 2]);
  }
  flushBacklog();
  ringDoorbell();
  const wait = core.pollIn();
  const at = wait === null ? Infinity : performance.now() + wait;
  if (timer && at >= timerAt) return; // the armed timer comes first; it rearms
  if (timer) clearTimeout(timer);
  timer = null;
  timerAt = at;
  if (wait !== null)
    timer = setTimeout(() => {
      timer = null;
      timerAt = Infinity;
      core.poll();
      settle();
    }, Math.ceil(wait));
}

// A host connection for the guest's connection `o.id`, without blocking (Splice takes it from there).
function openHost(o: GwOpenRequest): void {
  const sock = connect({ host: o.addr, port: o.port, allowHalfOpen: true });
  new Splice(sock, o.port, o.id);
}

// Frames from the guest: everything waiting, then wait for the guest's thread to ring.
async function watchGuest(): Promise<void> {
  const waitAsync = (
    Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
    }
  ).waitAsync;
  for (;;) {
    const seen = Atomics.load(bell, 0);
    let n = 0;
    for (let f = toGateway.peek(); f; f = toGateway.peek()) {
      core.frameIn(f);
      toGateway.consume();
      if (++n % 32 === 0) toGateway.notifyRead();
    }
    if (n > 0) {
      toGateway.notifyRead();
      settle();
    }
    const w = waitAsync(bell, 0, seen);
    if (w.async) await w.value;
    else await new Promise((r) => setImmediate(r)); // more came meanwhile: let the sockets have a turn first
  }
}

function listen(server: Server, p: Publish): Promise<string | null> {
  return new Promise((resolve) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const where = hostPortText(p.host, p.hostPort);
      const flag = `--publish ${p.spec}`;
      if (e.code === "EADDRINUSE") resolve(`${flag}: ${where} is in use (pick another host port)`);
      else if (e.code === "EACCES")
        resolve(`${flag}: ${where} needs privileges to listen on (pick a host port from 1024 up)`);
      else if (e.code === "EADDRNOTAVAIL") resolve(`${flag}: ${p.host} is not an address of this host`);
      else resolve(`${flag}: cannot listen on ${where}: ${e.message}`);
    });
    server.listen({ host: p.host, port: p.hostPort, exclusive: true }, () => resolve(null));
  });
}

async function main(): Promise<void> {
  const listening: Listening[] = [];
  for (const p of data.publish) {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
      new Splice(sock, p.guestPort);
      settle();
    });
    const problem = await listen(server, p);
    if (problem) {
      parentPort!.postMessage({ kind: "error", message: problem } satisfies GatewayReady);
      return;
    }
    const a = server.address();
    listening.push({
      spec: p.spec,
      host: p.host,
      port: typeof a === "object" && a ? a.port : p.hostPort,
      guestPort: p.guestPort,
    });
  }
  parentPort!.postMessage({ kind: "ready", listening } satisfies GatewayReady);
  // A pending Atomics.waitAsync does not keep a thread's event loop alive: without a port to
  // listen on, the worker would end while idle. Listening to the parent does (until terminate()).
  parentPort!.on("message", () => {});
  await watchGuest();
}

process.on("uncaughtException", fatal);
main().catch(fatal);
