// The `user` net backend: user-mode networking, no root and no TAP device.
// The guest's link ends in a gateway inside the tender: Tessera's own network
// stack (gateway-core.ts) on a worker thread (user-worker.ts), which has its
// own event loop for the host's sockets and the gateway's timers while the
// guest's thread sleeps in `yield`: published ports in, the guest's own TCP
// connections and UDP datagrams out (NAT), and a resolver at 10.0.2.3 that
// answers from the hosts file and forwards to resolv.conf's nameservers.
// Frames cross in shared memory:
//
//   guest thread  -- net_write: toGateway ring, ring `bell` -->  gateway worker
//   guest thread  <-- device.ring (net_read), ring doorbell  --  gateway worker
//
// so net_read, net_write and yield are the same calls as for tap: and
// switch:. A net_write that finds the ring full waits up to WRITE_WAIT_MS for
// room and then drops the frame, as the switch backend does; frames for the
// guest that find its ring full wait in the worker (nothing is dropped there).
import type { Worker } from "node:worker_threads";
import { readFileSync } from "node:fs";
import { RESULTS } from "@tessera/abi";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { TenderError } from "../errors.js";
import { MTU, randomMac, type NetDevice } from "./device.js";
import { FrameRing, type RingBuffers } from "./frame-ring.js";
import { gatewayPath } from "./gateway-core.js";
import { hostPortText, type Publish } from "./publish.js";
import { RingEnd } from "./user-ring.js";

/** How long net_write waits for room in the gateway's ring before dropping the frame, in ms. */
export const WRITE_WAIT_MS = 10;

/** A `user` device: a NetDevice whose frames go to the gateway through shared memory. */
export interface UserDevice extends NetDevice {
  /** Frames from the guest to the gateway. */
  readonly toGateway: RingBuffers;
  /** The gateway worker's wake-up word (Int32, index 0). */
  readonly bell: SharedArrayBuffer;
}

/** Opens a `user` device for `name` (`--net NAME=user`). */
export function openUser(name: string, flag: string, arg: string): UserDevice {
  if (arg) throw new TenderError(`${flag}: the user backend takes no argument (write --net ${name}=user)`);
  const toGateway = FrameRing.allocate();
  const bell = new SharedArrayBuffer(4);
  const ring = new RingEnd(toGateway);
  const word = new Int32Array(bell);
  return {
    name,
    spec: "user",
    fd: -1,
    mac: randomMac(),
    mtu: MTU,
    ring: new FrameRing(),
    toGateway,
    bell,
    write(frame: Uint8Array): number {
      if (ring.full && !ring.waitForRoom(WRITE_WAIT_MS)) {
        ring.push(frame); // counted as dropped
        return RESULTS.OK;
      }
      ring.push(frame);
      Atomics.add(word, 0, 1);
      Atomics.notify(word, 0);
      return RESULTS.OK;
    },
  };
}

/** True if `d` is a `user` device. */
export function isUser(d: NetDevice): d is UserDevice {
  return d.spec === "user";
}

/** A port the gateway listens on. */
export interface Listening {
  /** The --publish value. */
  spec: string;
  /** The address and port listened on (the port picked, for port 0). */
  host: string;
  port: number;
  guestPort: number;
}

/** What the worker is given. */
export interface GatewayWorkerData {
  wasm: string;
  doorbell: SharedArrayBuffer;
  toGuest: RingBuffers;
  toGateway: RingBuffers;
  bell: SharedArrayBuffer;
  publish: Publish[];
  /** How long a host connection waits for the guest to have an address, in ms. */
  connectWaitMs: number;
  /** The hosts file's and resolv.conf's text, for the gateway's resolver (10.0.2.3). */
  hosts: Uint8Array;
  resolvConf: Uint8Array;
}

/** The files the gateway's resolver reads: the host's own unless given (--hosts-file, --resolv-conf). */
export interface ResolverFiles {
  hostsFile?: string;
  resolvConf?: string;
}

/** The host's hosts file and resolv.conf, which the gateway's resolver reads unless others are given. */
export const HOSTS_FILE = "/etc/hosts";
export const RESOLV_CONF = "/etc/resolv.conf";

// A file the resolver reads: a given one must be there; the host's own may be missing (then it is empty).
function readResolverFile(given: string | undefined, fallback: string, flag: string): Uint8Array {
  try {
    return readFileSync(given ?? fallback);
  } catch (e) {
    if (given === undefined) return new Uint8Array(0);
    throw new TenderError(`${flag} ${given}: cannot read it (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

/** The worker's first message. */
export type GatewayReady = { kind: "ready"; listening: Listening[] } | { kind: "error"; message: string };

/** One line for a published port: `publishing http://127.0.0.1:8080 -> guest port 80`. */
export function describeListening(l: Listening): string {
  const where = hostPortText(l.host === "0.0.0.0" ? "127.0.0.1" : l.host === "::" ? "::1" : l.host, l.port);
  const web = l.guestPort === 80 || l.guestPort === 8080 || l.guestPort === 8000;
  const all = l.host === "0.0.0.0" || l.host === "::" ? " (on every address)" : "";
  return `publishing ${web ? "http://" : ""}${where}${all} -> guest port ${l.guestPort}`;
}

/** The gateway of one `user` device, on its own worker thread. */
export class UserNet {
  private constructor(
    private worker: Worker | null,
    /** The ports listened on, in --publish order. */
    readonly listening: Listening[],
  ) {}

  /**
   * Starts the gateway for `device` and listens on every `publish`; resolves
   * once all listen, or throws a TenderError (e.g. a host port in use).
   */
  static async start(
    device: UserDevice,
    publish: Publish[],
    doorbell: Int32Array,
    connectWaitMs = 10_000,
    files: ResolverFiles = {},
  ): Promise<UserNet> {
    // Read now, before the guest starts, as the native tenders read them before their sandbox.
    const hosts = readResolverFile(files.hostsFile, HOSTS_FILE, "--hosts-file");
    const resolvConf = readResolverFile(files.resolvConf, RESOLV_CONF, "--resolv-conf");
    const { Worker } = await import("node:worker_threads");
    const require = createRequire(import.meta.url);
    let script: string;
    let wasm: string;
    try {
      script = require.resolve("@tessera/node/user-worker");
      wasm = gatewayPath();
    } catch {
      throw new TenderError(`--net ${device.name}=user: the gateway is not built (run npm run build)`);
    }
    const data: GatewayWorkerData = {
      wasm,
      doorbell: doorbell.buffer as SharedArrayBuffer,
      toGuest: device.ring.buffers,
      toGateway: device.toGateway,
      bell: device.bell,
      publish,
      connectWaitMs,
      hosts,
      resolvConf,
    };
    const worker = new Worker(pathToFileURL(script), { workerData: data, execArgv: [], stdout: false, stderr: false });
    const ready = await new Promise<GatewayReady>((resolve) => {
      worker.once("message", resolve);
      worker.once("error", (e) => resolve({ kind: "error", message: `the gateway failed: ${e.message}` }));
      worker.once("exit", () => resolve({ kind: "error", message: "the gateway stopped before it started" }));
    });
    worker.removeAllListeners();
    worker.on("error", () => {}); // reported by the worker itself, on fd 2
    if (ready.kind === "error") {
      await worker.terminate();
      throw new TenderError(ready.message);
    }
    worker.unref();
    return new UserNet(worker, ready.listening);
  }

  /** Stops the gateway: its listening sockets and host connections close. */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
