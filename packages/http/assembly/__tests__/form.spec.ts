// Percent-decoding, query strings and form bodies (Form), and TextBody's percent-encoding.

import { decodePercent, Form } from "@tessera/http/assembly/form";
import { TextBody } from "@tessera/http/assembly/text";
import { expect, runTests, test } from "@tessera/test/assembly";

// The bytes of `s` (ASCII) in a buffer that stays alive with the returned pointer's owner.
function bytesOf(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function formOf(s: string): Form {
  const b = bytesOf(s);
  keep.push(b);
  return new Form(changetype<usize>(b), <u32>b.byteLength);
}

const keep = new Array<ArrayBuffer>();

function decoded(s: string, plus: bool = false): string | null {
  const b = bytesOf(s);
  const v = decodePercent(changetype<usize>(b), <u32>b.byteLength, plus);
  return v ? String.UTF8.decodeUnsafe(v.dataStart, v.length) : null;
}

test("decodes %XX in either case, and + only in a query or form", () => {
  expect(decoded("a%2Fb%2fc")!, "a/b/c");
  expect(decoded("caf%C3%A9")!, "café");
  expect(decoded("a+b")!, "a+b", "a path's + is a plus");
  expect(decoded("a+b", true)!, "a b");
  expect(decoded("")!, "");
  expect(decoded("%00")!.length, 1);
});

test("a bad escape is null", () => {
  expect<bool>(decoded("%") === null, true);
  expect<bool>(decoded("a%2") === null, true);
  expect<bool>(decoded("%zz") === null, true);
  expect<bool>(decoded("%2g") === null, true);
});

test("finds fields by their decoded names; a missing one is null", () => {
  const q = formOf("?prefix=a%2Fb&n=12&empty=&bare&sp+ace=x+y&dup=1&dup=2");
  expect(q.get("prefix")!, "a/b");
  expect(q.int("n", -1), 12);
  expect(q.get("empty")!, "");
  expect(q.get("bare")!, "", "a field without = has the empty value");
  expect(q.get("sp ace")!, "x y");
  expect(q.get("dup")!, "1", "the first of two");
  expect<bool>(q.get("missing") === null, true);
  expect<bool>(q.has("bare"), true);
  expect<bool>(q.has("pre"), false, "a name's prefix is not the name");
  expect<bool>(q.malformed, false);
});

test("a badly encoded value is null and malformed", () => {
  const q = formOf("a=%zz&b=ok");
  expect<bool>(q.get("a") === null, true);
  expect<bool>(q.malformed, true);
  expect(q.get("b")!, "ok");
  expect<bool>(q.malformed, false, "each lookup says for itself");
});

test("int gives the fallback for what is not a whole number", () => {
  const q = formOf("a=x&b=-1&c=99999999999999999999&d=007");
  expect(q.int("a", 5), 5);
  expect(q.int("b", 5), 5);
  expect(q.int("c", 5), 5);
  expect(q.int("d", 5), 7);
  expect(q.int("none", 5), 5);
});

test("an empty form has no fields", () => {
  const q = formOf("");
  expect<bool>(q.has("a"), false);
  expect<bool>(formOf("?").has("a"), false);
});

test("TextBody.percent keeps unreserved bytes and / and escapes the rest", () => {
  const b = bytesOf("a/b c%~_.-Z9é\n");
  const body = new TextBody().percent(Uint8Array.wrap(b)).byte(0x0a);
  expect(body.toString(), "a/b%20c%25~_.-Z9%C3%A9%0A\n");
});

export function _start(): void {
  runTests();
}
