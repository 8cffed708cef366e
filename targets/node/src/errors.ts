// The tender's errors: TenderError for the user, ExitSignal to unwind the guest.

/**
 * A one-line, user-actionable error raised before the guest starts (a bad
 * image, a missing device, a bad option). The CLI prints it as `tessera: <message>`.
 */
export class TenderError extends Error {
  override name = "TenderError";
}

/** Thrown by `exit` and `panic` to unwind the wasm stack; runImage turns it into the status. @internal */
export class ExitSignal {
  constructor(readonly status: number) {}
}
