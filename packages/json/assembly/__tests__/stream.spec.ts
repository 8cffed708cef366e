// JsonBody: a JSON body produced piece by piece as `fill` asks for bytes, in any sizes; JsonWriter.take.

import { JsonBody, JsonWriter } from "@tessera/json/assembly";
import { expect, runTests, test } from "@tessera/test/assembly";

// {"notes":["note 0","note 1",...]}, one element per `more`, counting the calls.
class Notes extends JsonBody {
  next: i32 = 0;
  calls: i32 = 0;
  constructor(readonly count: i32) {
    super();
  }
  more(w: JsonWriter): bool {
    this.calls++;
    if (this.next == 0) w.beginObject().key("notes").beginArray();
    if (this.next < this.count) w.str("note " + this.next.toString() + " é☕𝄞");
    this.next++;
    if (this.next < this.count) return true;
    w.end().end();
    return false;
  }
}

// The whole body, asked for `cap` bytes at a time; also checks that no fill writes more than `cap`.
function drain(body: JsonBody, cap: u32): string {
  const buf = new StaticArray<u8>(cap + 8);
  const out = new Array<u8>();
  for (;;) {
    for (let i = 0; i < buf.length; i++) buf[i] = 0xaa;
    const n = body.fill(changetype<usize>(buf), cap);
    if (n < 0) break;
    assert(n > 0 && <u32>n <= cap, "fill wrote 1..cap bytes");
    assert(buf[cap] == 0xaa, "nothing past cap");
    for (let i = 0; i < n; i++) out.push(buf[i]);
  }
  const bytes = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) bytes[i] = out[i];
  return String.UTF8.decode(bytes.buffer);
}

function expected(count: i32): string {
  const w = new JsonWriter().beginObject().key("notes").beginArray();
  for (let i = 0; i < count; i++) w.str("note " + i.toString() + " é☕𝄞");
  return w.end().end().toString();
}

test("streams the same text as the writer would build, in chunks of any size (UTF-8 split anywhere)", () => {
  for (let cap: u32 = 1; cap <= 40; cap += 3) expect(drain(new Notes(5), cap), expected(5));
  expect(drain(new Notes(1000), 4096), expected(1000));
});

test("asks for the next piece only when the last is sent", () => {
  const body = new Notes(100);
  const buf = new StaticArray<u8>(16);
  body.fill(changetype<usize>(buf), 16);
  expect(body.calls, 1, 'one piece ({"notes":["note 0 ...") fills 16 bytes');
  drain(body, 1 << 16);
  expect(body.calls, 100);
});

test("an empty array, and -1 again after the end", () => {
  const body = new Notes(0);
  expect(drain(body, 8), '{"notes":[]}');
  expect(body.fill(changetype<usize>(new StaticArray<u8>(8)), 8), -1);
});

test("take gives the text since the last take and keeps the nesting", () => {
  const w = new JsonWriter().beginArray().int(1);
  expect(w.take(), "[1");
  w.int(2).beginObject().key("a").nul();
  expect(w.take(), ',2,{"a":null');
  expect(w.end().end().take(), "}]");
  expect(w.take(), "");
});

export function _start(): void {
  runTests();
}
