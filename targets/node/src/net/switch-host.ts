// The virtual switch as a host process (`tessera switch SWITCH`): listens on
// the switch's SOCK_SEQPACKET socket (see switch-path.ts), takes each tender
// that connects as a port, optionally joins a Linux TAP device as one more
// port, and moves frames between them as LearningSwitch decides. One loop on
// the calling thread waits in poll(2) on every fd, reads each ready port's
// frames and writes them out non-blocking: a port whose queue is full loses
// the frame (counted), and a port that hangs up or fails is removed at once,
// with every address learned on it. Between rounds the loop yields to Node's
// event loop, so signal handlers run. No root is needed unless --tap is given.
// With impairment (see impairment.ts), each frame bound for a port is offered
// to it instead of sent, and the loop sends what is due, waking for it.
import { closeSync, lstatSync, mkdirSync, readSync, unlinkSync, writeSync } from "node:fs";
import { TenderError } from "../errors.js";
import { Impairment, type ImpairmentOptions, type ImpairmentStats } from "./impairment.js";
import { LearningSwitch, type ForwardStats } from "./learning-switch.js";
import { loadNative, type Native } from "./native.js";
import { socketPathProblem, SWITCH_NAME, SWITCH_NAME_RULE, switchDir, switchSocket } from "./switch-path.js";

/** How long one poll(2) waits when nothing happens, in ms: the delay before an abort is seen. */
const POLL_MS = 200;
/** Frames read from one port per round, so that one busy port cannot starve the others. */
const BURST = 32;
/** How often aged addresses are swept from the table, in ms. */
const SWEEP_MS = 1000;

/** What a switch is given. */
export interface SwitchOptions {
  /** The switch's name, as in `--net NAME=switch:SWITCH`. */
  name: string;
  /** A Linux TAP device to join as a port (opened, or made, like `tap:IFNAME`). */
  tap?: string;
  /** Called with one line when a port joins or leaves. */
  log?: (line: string) => void;
  /** How long a learned address lasts without being seen, in ms. */
  ageMs?: number;
  /** How long one poll(2) may block the thread, in ms (default 200; tests that share the thread use less). */
  pollMs?: number;
  /** Loss, reordering, duplication and delay of the frames the switch sends (none if absent). */
  impairment?: ImpairmentOptions;
}

/** A switch's counters. */
export interface SwitchStats extends ForwardStats {
  /** Ports connected now (the TAP device included). */
  ports: number;
  /** Frames read from ports. */
  received: number;
  /** Frames written to ports. */
  sent: number;
  /** Frames lost because the port's queue was full. */
  dropped: number;
  /** The impairment's counters, if the switch impairs frames. */
  impairment?: ImpairmentStats;
}

interface Port {
  readonly id: number;
  readonly fd: number;
  readonly label: string;
  dead: boolean;
}

const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** A running virtual Ethernet switch. */
export class VirtualSwitch {
  private readonly table: LearningSwitch;
  private readonly ports = new Map<number, Port>();
  private readonly counts = { received: 0, sent: 0, dropped: 0 };
  private readonly buf = new Uint8Array(65536);
  private nextId = 1;
  private changed = true;
  private closed = false;
  /** The impairment, or null if frames go straight out. */
  readonly impairment: Impairment | null;

  private constructor(
    private readonly native: Native,
    private readonly listenFd: number,
    /** The socket tenders connect to. */
    readonly path: string,
    private readonly inode: number,
    private readonly log: (line: string) => void,
    ageMs: number | undefined,
    private readonly pollMs: number,
    impairment: ImpairmentOptions | undefined,
  ) {
    this.table = new LearningSwitch(ageMs);
    const imp = impairment ? new Impairment(impairment) : null;
    this.impairment = imp?.active ? imp : null;
  }

  /** Starts listening as switch `opts.name`; throws a one-line TenderError if it cannot (bad name, already running). */
  static open(opts: SwitchOptions): VirtualSwitch {
    const { name } = opts;
    if (!SWITCH_NAME.test(name)) throw new TenderError(`"${name}" is not a switch name (${SWITCH_NAME_RULE})`);
    const path = switchSocket(name);
    const problem = socketPathProblem(path);
    if (problem) throw new TenderError(`switch ${name}: ${problem}`);
    const native = loadNative(`switch ${name}`);
    makePrivateDir(switchDir());
    const fd = listen(native, name, path);
    const sw = new VirtualSwitch(
      native,
      fd,
      path,
      lstatSync(path).ino,
      opts.log ?? (() => {}),
      opts.ageMs,
      opts.pollMs ?? POLL_MS,
      opts.impairment,
    );
    if (opts.tap !== undefined) {
      try {
        const tap = native.openTap(opts.tap);
        native.setNonBlocking(tap);
        sw.addPort(tap, `tap:${opts.tap}`);
      } catch (e) {
        sw.close();
        throw new TenderError(`--tap ${opts.tap}: ${(e as Error).message}`);
      }
    }
    return sw;
  }

  /** The counters so far. */
  stats(): SwitchStats {
    const s: SwitchStats = { ports: this.ports.size, ...this.counts, ...this.table.stats };
    if (this.impairment) s.impairment = { ...this.impairment.stats };
    return s;
  }

  /** Moves frames until `signal` aborts (seen within `pollMs`). */
  async run(signal: AbortSignal): Promise<void> {
    let fds = new Int32Array(0);
    let ready = new Uint8Array(0);
    let order: Port[] = [];
    let swept = performance.now();
    while (!signal.aborted && !this.closed) {
      if (this.changed) {
        order = [...this.ports.values()];
        fds = Int32Array.from([this.listenFd, ...order.map((p) => p.fd)]);
        ready = new Uint8Array(fds.length);
        this.changed = false;
      }
      const imp = this.impairment;
      let wait = this.pollMs;
      if (imp) wait = Math.max(0, Math.min(wait, Math.ceil(imp.nextAt() - performance.now())));
      const n = this.native.pollMany(fds, ready, wait);
      let now = performance.now();
      if (n > 0) {
        if (ready[0]) this.acceptAll();
        for (let i = 1; i < fds.length; i++) if (ready[i] && !order[i - 1].dead) this.receive(order[i - 1], now);
      }
      if (imp) {
        now = performance.now();
        for (const [id, frame] of imp.due(now)) {
          const port = this.ports.get(id);
          if (port && !port.dead) this.send(port, frame);
        }
      }
      if (now - swept >= SWEEP_MS) {
        this.table.expire(now);
        swept = now;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Disconnects every port and removes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.ports.values()) closeSync(p.fd);
    this.ports.clear();
    closeSync(this.listenFd);
    try {
      if (lstatSync(this.path).ino === this.inode) unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }

  private addPort(fd: number, label: string): void {
    const port: Port = { id: this.nextId++, fd, label, dead: false };
    this.ports.set(port.id, port);
    this.table.addPort(port.id);
    this.changed = true;
    this.log(`port ${port.id} (${label}) joined`);
  }

  private removePort(port: Port, why: string): void {
    port.dead = true;
    this.ports.delete(port.id);
    this.table.removePort(port.id);
    this.impairment?.removePort(port.id);
    closeSync(port.fd);
    this.changed = true;
    this.log(`port ${port.id} (${port.label}) left: ${why}`);
  }

  private acceptAll(): void {
    for (let fd = this.native.acceptSeqpacket(this.listenFd); fd >= 0; fd = this.native.acceptSeqpacket(this.listenFd))
      this.addPort(fd, "tender");
  }

  private receive(port: Port, now: number): void {
    for (let k = 0; k < BURST && !port.dead; k++) {
      let n: number;
      try {
        n = readSync(port.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        if (codeOf(e) !== "EAGAIN") this.removePort(port, (e as Error).message);
        return;
      }
      if (n === 0) return this.removePort(port, "hung up");
      this.counts.received++;
      const frame = this.buf.subarray(0, n);
      const imp = this.impairment;
      for (const id of this.table.forward(port.id, frame, now))
        if (imp) imp.offer(id, frame, now);
        else this.send(this.ports.get(id)!, frame);
    }
  }

  private send(port: Port, frame: Uint8Array): void {
    try {
      writeSync(port.fd, frame);
      this.counts.sent++;
    } catch (e) {
      const code = codeOf(e);
      if (code === "EAGAIN" || code === "ENOBUFS") this.counts.dropped++;
      else this.removePort(port, (e as Error).message);
    }
  }
}

/** Makes `dir` (0700) if needed, and refuses one that another user owns or others may write. */
function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || st.mode & 0o022)
    throw new TenderError(`${dir} is not a private directory of this user; remove it or set XDG_RUNTIME_DIR`);
}

/** Listens at `path`, taking it over from a switch that died without removing it. */
function listen(native: Native, name: string, path: string): number {
  for (let attempt = 0; ; attempt++) {
    try {
      return native.listenSeqpacket(path);
    } catch (e) {
      if (codeOf(e) !== "EADDRINUSE" || attempt > 0) throw new TenderError(`switch ${name}: ${(e as Error).message}`);
    }
    try {
      closeSync(native.connectSeqpacket(path, 0));
      throw new TenderError(`a switch "${name}" is already running (its socket: ${path})`);
    } catch (e) {
      if (e instanceof TenderError) throw e;
    }
    unlinkSync(path); // nobody answers: a stale socket
  }
}
