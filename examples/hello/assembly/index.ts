// hello: prints a greeting, its command-line arguments and the wall-clock time.

import { Args } from "@tessera/runtime/assembly";
import { line } from "@tessera/console/assembly";
import { putUtc, wall } from "@tessera/clock/assembly";

export function _start(): void {
  const name = Args.find("name");
  line.str("Hello, ");
  if (name >= 0) line.bytes(Args.valuePtr(name), Args.valueLength(name));
  else line.str("world");
  line.str("! This is Tessera, a WebAssembly unikernel.").nl();
  const n = Args.count;
  line.str("arguments: ").int(n);
  for (let i = 0; i < n; i++)
    line
      .char(0x20)
      .bytes(Args.keyPtr(i), Args.keyLength(i))
      .str(Args.hasValue(i) ? "=" : "")
      .bytes(Args.valuePtr(i), Args.valueLength(i));
  line.nl();
  line.str("wall clock: ");
  putUtc(wall());
  line.nl();
}
