// TextBody (text, numbers, fields, templates, growth) and the generated tables' edges: a method or status the
// tables do not name reads nothing past them.

import { Method, methodNameAt } from "@tessera/http/assembly/head";
import { methodName } from "@tessera/http/assembly/router";
import { reasonLength, reasonPhrase } from "@tessera/http/assembly/status";
import { TextBody, utf8Length, writeDecimal } from "@tessera/http/assembly/text";
import { METHOD_NAMES } from "@tessera/http/assembly/tables";
import { expect, runTests, test } from "@tessera/test/assembly";

function textOf(b: TextBody): string {
  return String.UTF8.decodeUnsafe(changetype<usize>(b.buffer), b.length);
}

test("appends text, numbers and fields", () => {
  const b = new TextBody().text("ok").int("keys", 12).int("neg", -3).text(" é\n");
  expect(textOf(b), "ok keys=12 neg=-3 é\n");
});

test("fills a template's # with the numbers in order", () => {
  const b = new TextBody().template("ok uptime=#s open=# tcp=#\n").num(5).num(0).num(-7);
  expect(textOf(b), "ok uptime=5s open=0 tcp=-7\n");
  const c = new TextBody().template("a=# b=#").num(1);
  expect(textOf(c), "a=1 b=", "a # left without a number stays empty");
});

test("grows past its capacity", () => {
  const b = new TextBody(32);
  for (let i = 0; i < 100; i++) b.text("0123456789");
  expect<u32>(b.length, 1000);
  expect<u32>(<u32>b.buffer.byteLength >= 1000 ? 1 : 0, 1);
  expect(textOf(b).substring(990), "0123456789");
});

test("writes decimals within a capacity", () => {
  const out = memory.data(32);
  expect<u32>(writeDecimal(out, 20, 0), 1);
  expect<u32>(writeDecimal(out, 20, u64.MAX_VALUE), 20);
  expect(String.UTF8.decodeUnsafe(out, 20), "18446744073709551615");
  expect<u32>(writeDecimal(out, 2, 123), 0, "three digits do not fit in two");
  expect<u32>(utf8Length("a\u00e9\u20ac"), 6);
});

test("a method the table does not name has an empty name, read within the table", () => {
  expect(methodName(Method.Other), "");
  expect(methodName(<Method>42), "");
  expect(methodName(<Method>-1), "");
  expect(methodName(Method.Trace), "TRACE");
  const end = methodNameAt(Method.Other);
  expect<u32>(load<u8>(end), 0);
  expect<u32>(end > METHOD_NAMES ? 1 : 0, 1);
});

test("a status the table does not name has no phrase", () => {
  expect(reasonPhrase(404), "Not Found");
  expect(reasonPhrase(505), "HTTP Version Not Supported");
  expect(reasonPhrase(100), "Continue");
  expect<u32>(reasonLength(299), 0);
  expect<u32>(reasonLength(999), 0);
  expect<u32>(reasonLength(0), 0);
});

export function _start(): void {
  runTests();
}
