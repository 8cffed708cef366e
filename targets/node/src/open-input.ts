// Choose the console input source from RunOptions.stdin.
import { EofInput, StreamInput, type ConsoleInput } from "./input.js";
import { RingInput } from "./ring.js";

function fdOf(stream: NodeJS.ReadableStream): number | null {
  if (stream === process.stdin) return 0;
  const fd = (stream as { fd?: unknown }).fd;
  return typeof fd === "number" ? fd : null;
}

/** Open console input: a worker for an fd (default 0), a synchronous drain for other streams, EOF for null. */
export async function openInput(stdin: RunStdin, doorbell: Int32Array): Promise<ConsoleInput> {
  if (stdin === null) return new EofInput();
  if (stdin === undefined) return RingInput.start(0, doorbell);
  if (typeof stdin === "number") return RingInput.start(stdin, doorbell);
  const fd = fdOf(stdin);
  return fd === null ? new StreamInput(stdin) : RingInput.start(fd, doorbell);
}

/** RunOptions.stdin. */
export type RunStdin = NodeJS.ReadableStream | number | null | undefined;
