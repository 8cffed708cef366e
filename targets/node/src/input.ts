// Console input sources: what `console_read` and `yield` bit 63 read from.

/**
 * Console input as seen by the ABI. EOF is reported as data: `read` returns 0
 * (console_read: OK with length 0) every time it is asked, and `ready` stays
 * true; the host's `yield` reports it only until the guest has read it once
 * (see host.ts).
 */
export interface ConsoleInput {
  /** True if input or EOF is waiting. */
  ready(): boolean;
  /** Copy waiting input into `dst`: bytes copied, 0 at EOF, null if nothing yet (AGAIN). */
  read(dst: Uint8Array): number | null;
  /** Stop reading (terminates any worker); idempotent. */
  close(): void;
}

/** No console input at all: always at EOF. */
export class EofInput implements ConsoleInput {
  /** @inheritdoc */
  ready(): boolean {
    return true;
  }
  /** @inheritdoc */
  read(): number {
    return 0;
  }
  /** @inheritdoc */
  close(): void {}
}

interface ReadableState {
  _readableState?: { ended?: boolean };
  readableEnded?: boolean;
}

/**
 * A stream without a file descriptor, drained synchronously with `read()`.
 * The guest blocks the calling thread, so only data the stream already holds
 * (e.g. written to a PassThrough before the run) can arrive.
 */
export class StreamInput implements ConsoleInput {
  private pending = new Uint8Array(0);

  constructor(private readonly stream: NodeJS.ReadableStream) {}

  private fill(): void {
    if (this.pending.length > 0) return;
    const chunk = this.stream.read();
    if (chunk === null || chunk === undefined) return;
    this.pending = typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk);
  }

  private ended(): boolean {
    const s = this.stream as unknown as ReadableState;
    return s.readableEnded === true || s._readableState?.ended === true;
  }

  /** @inheritdoc */
  ready(): boolean {
    this.fill();
    return this.pending.length > 0 || this.ended();
  }

  /** @inheritdoc */
  read(dst: Uint8Array): number | null {
    this.fill();
    if (this.pending.length === 0) return this.ended() ? 0 : null;
    const n = Math.min(dst.length, this.pending.length);
    dst.set(this.pending.subarray(0, n));
    this.pending = this.pending.subarray(n);
    return n;
  }

  /** @inheritdoc */
  close(): void {}
}
