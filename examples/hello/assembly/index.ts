// hello: prints a greeting, its command-line arguments and the wall-clock time.

import { Args } from "@tessera/runtime/assembly";
import { line } from "@tessera/console/assembly";
import { putUtc, wall } from "@tessera/clock/assembly";

export function _start(): void {
  line.ascii("Hello from Tessera!\nargs:");
  for (let i = 0, n = Args.count; i < n; i++) line.char(0x20).bytes(Args.ptr(i), Args.length(i));
  line.ascii("\nwall clock: ");
  putUtc(wall());
  line.nl();
}
