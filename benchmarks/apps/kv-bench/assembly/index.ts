// kv-bench: `count=` durable puts of `size=`-byte values under distinct keys
// (each put flushed before the next), then as many gets, on the store on block
// device "storage"; prints `puts=N put_ns=T gets=N get_ns=T` (monotonic ns).
// With `mount=1`, only mounts the store and prints `mount_ns=T keys=N`.

import { clock_monotonic } from "@tessera/abi/assembly";
import { Args, exit } from "@tessera/runtime/assembly";
import { line } from "@tessera/console/assembly";
import { BlockDevice, Store, StoreError } from "@tessera/block/assembly";

function keyOf(i: i32): Uint8Array {
  const k = new Uint8Array(12);
  store<u32>(k.dataStart, 0x2d79656b); // "key-"
  store<u64>(k.dataStart + 4, <u64>i);
  return k;
}

export function _start(): void {
  const count = <i32>Args.int("count", 1000, 1, 1_000_000);
  const size = <i32>Args.int("size", 1024, 0, 1 << 20);
  const mountOnly = Args.int("mount", 0, 0, 1) == 1;
  const disk = BlockDevice.open("storage");
  const tm = clock_monotonic();
  const mounted = Store.open(disk);
  const mountNs = clock_monotonic() - tm;
  if (!mounted.store) {
    line.str("kv-bench: ").str(mounted.message).nl();
    exit(1);
  }
  const s = mounted.store!;
  if (mountOnly) {
    line.str("mount_ns=").int(mountNs).str(" keys=").int(s.count).nl();
    return;
  }
  const value = new Uint8Array(size);
  for (let i = 0; i < size; i++) value[i] = <u8>(i * 31);
  const t0 = clock_monotonic();
  for (let i = 0; i < count; i++) {
    store<u32>(value.dataStart, <u32>i);
    const e = s.put(keyOf(i), value);
    if (e != StoreError.None) {
      line.str("kv-bench: put ").int(i).str(": error ").int(e).nl();
      exit(1);
    }
  }
  const t1 = clock_monotonic();
  let found = 0;
  for (let i = 0; i < count; i++) {
    const v = s.get(keyOf(i));
    if (v && v.length == size && load<u32>(v.dataStart) == <u32>i) found++;
  }
  const t2 = clock_monotonic();
  if (found != count) {
    line.str("kv-bench: found ").int(found).str(" of ").int(count).nl();
    exit(1);
  }
  line
    .str("puts=")
    .int(count)
    .str(" put_ns=")
    .int(t1 - t0)
    .str(" gets=")
    .int(count)
    .str(" get_ns=")
    .int(t2 - t1)
    .nl();
}
