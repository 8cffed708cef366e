/**
 * The one kind of error the CLI shows a person: a single line that says what
 * went wrong and what to do about it.
 *
 * @module
 */

/** An error whose message is shown as `tessera: <message>`, with an exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit status: 2 for bad usage, 1 for everything else. */
    readonly status = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}
