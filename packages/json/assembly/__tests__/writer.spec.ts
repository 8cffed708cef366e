// JsonWriter and quote: the text they write, byte for byte.

import { JsonWriter, quote } from "@tessera/json/assembly";
import { expect, runTests, test } from "@tessera/test/assembly";

test("quotes plain text as it is", () => {
  expect(quote(""), '""');
  expect(quote("hello, world"), '"hello, world"');
  expect(quote("café ☕ 𝄞"), '"café ☕ 𝄞"');
});

test("escapes quotes, backslashes and control characters", () => {
  expect(quote('say "hi"'), '"say \\"hi\\""');
  expect(quote("a\\b"), '"a\\\\b"');
  expect(quote("one\ntwo\r\n\tthree"), '"one\\ntwo\\r\\n\\tthree"');
  expect(quote("\b\f"), '"\\b\\f"');
  expect(quote("\0\x01\x1f"), '"\\u0000\\u0001\\u001f"');
  expect(quote("</script>"), '"</script>"'); // only what RFC 8259 requires is escaped
});

test("writes an object with its commas", () => {
  const w = new JsonWriter();
  w.beginObject().key("id").str("n1").key("n").int(-42).key("ok").bool(true).key("none").nul().end();
  expect(w.toString(), '{"id":"n1","n":-42,"ok":true,"none":null}');
});

test("writes nested arrays and objects", () => {
  const w = new JsonWriter().beginArray();
  for (let i = 0; i < 3; i++) w.beginObject().key("i").int(i).key("tags").beginArray().str("a").end().end();
  w.beginArray().end().beginObject().end().end();
  expect(w.toString(), '[{"i":0,"tags":["a"]},{"i":1,"tags":["a"]},{"i":2,"tags":["a"]},[],{}]');
});

test("escapes keys too", () => {
  expect(new JsonWriter().beginObject().key('a"b').int(1).end().toString(), '{"a\\"b":1}');
});

test("numbers: integers at the ends of i64, fractions, and null for what JSON cannot say", () => {
  const w = new JsonWriter().beginArray().int(i64.MAX_VALUE).int(i64.MIN_VALUE).num(0.5).num(-2.25);
  w.num(NaN).num(Infinity).num(-Infinity).end();
  expect(w.toString(), "[9223372036854775807,-9223372036854775808,0.5,-2.25,null,null,null]");
});

test("raw JSON goes in as one value", () => {
  const w = new JsonWriter().beginObject().key("a").raw('{"b":[1,2]}').key("c").raw("3").end();
  expect(w.toString(), '{"a":{"b":[1,2]},"c":3}');
});

test("a top-level value, and end with nothing open does nothing", () => {
  expect(new JsonWriter().str("x").toString(), '"x"');
  expect(new JsonWriter().int(7).end().toString(), "7");
});

export function _start(): void {
  runTests();
}
