// JSON text (packages/json/assembly/reader.ts, writer.ts): JsonReader over the input as it lies.
//
// Every token is read, each string unescaped and each number converted; the reader must end at End or Error,
// with an error's offset inside the input (or at its end) and a reason, its nesting never below zero nor past
// maxDepth, a string without escapes equal to its UTF-8 bytes, and a number that is `isInt` equal as an i64
// and an f64. Text the reader accepts is then written again with JsonWriter (strings through `str`, so quoted
// and escaped by the writer; numbers as they were written) and read again: the same tokens, strings and numbers.

import { JsonReader, JsonToken, JsonWriter } from "@tessera/json/assembly";
import { check } from "./common";

export { area, areaLength, input } from "./common";

const MAX_DEPTH = 32;

// Reads every token of the `len` bytes at `ptr`; writes an accepted text again into `out`, and compares with
// `expect` (the tokens of the first reading) when it is given.
function walk(ptr: usize, len: u32, out: JsonWriter | null, expect: string[] | null): string[] | null {
  const r = new JsonReader(ptr, len, MAX_DEPTH);
  const seen = new Array<string>();
  let t = r.next();
  while (t != JsonToken.End && t != JsonToken.Error) {
    check(r.depth >= 0 && r.depth <= MAX_DEPTH, "depth within 0..maxDepth");
    let what = (<i32>t).toString();
    if (t == JsonToken.String || t == JsonToken.Key) {
      const s = r.string();
      what += ":" + s;
      if (!hasEscape(r.rawPtr, r.rawLength)) {
        const utf8 = String.UTF8.encode(s);
        const same =
          <u32>utf8.byteLength == r.rawLength && memory.compare(changetype<usize>(utf8), r.rawPtr, r.rawLength) == 0;
        check(same, "a string without escapes is its bytes");
      }
      if (out) {
        if (t == JsonToken.Key) out.key(s);
        else out.str(s);
      }
    } else if (t == JsonToken.Number) {
      const text = String.UTF8.decodeUnsafe(r.rawPtr, r.rawLength);
      what += ":" + text;
      const f = r.number();
      if (r.isInt) check(<f64>r.int() == f || Math.abs(f) > 9007199254740992, "an integer's i64 and f64 agree");
      if (out) out.raw(text);
    } else if (out) {
      if (t == JsonToken.ObjectStart) out.beginObject();
      else if (t == JsonToken.ArrayStart) out.beginArray();
      else if (t == JsonToken.ObjectEnd || t == JsonToken.ArrayEnd) out.end();
      else if (t == JsonToken.True) out.bool(true);
      else if (t == JsonToken.False) out.bool(false);
      else out.nul();
    }
    if (expect) check(seen.length < expect.length && expect[seen.length] == what, "the same token read again");
    seen.push(what);
    t = r.next();
  }
  check(r.next() == t, "the reader stays at its end");
  if (t == JsonToken.Error) {
    check(
      r.errorOffset >= 0 && <u32>r.errorOffset <= len && r.message.length > 0,
      "an error has an offset and a reason",
    );
    return null;
  }
  check(r.depth == 0, "every object and array closed at the end");
  if (expect) check(seen.length == expect.length, "as many tokens read again");
  return seen;
}

function hasEscape(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 0x5c) return true;
  return false;
}

export function fuzz(ptr: usize, len: u32): void {
  const w = new JsonWriter();
  const tokens = walk(ptr, len, w, null);
  if (!tokens) return;
  const again = String.UTF8.encode(w.toString());
  check(walk(changetype<usize>(again), <u32>again.byteLength, null, tokens) !== null, "the written text is JSON");
}

export function _start(): void {}
