// The output buffer: the UTF-8 encoder (byte for byte), numbers, and flushing of long output.

import { collect, collected, collectedLength, putInt, putString, putUint, putU32 } from "@tessera/runtime/assembly/out";
import { expectBytes, runTests, test } from "@tessera/test/assembly";

// Encodes `s` into the collection buffer (one per instance: each case runs in a fresh one) and compares.
function encodes(s: string, expected: u8[]): void {
  collect();
  putString(s);
  expectBytes(collected(), collectedLength(), expected, "encoding of " + s);
}

test("encodes ASCII as itself", () => {
  encodes("Hi ~\x7f\0", [0x48, 0x69, 0x20, 0x7e, 0x7f, 0x00]);
});

test("encodes U+0080..U+07FF in two bytes", () => {
  encodes("\u0080é\u07ff", [0xc2, 0x80, 0xc3, 0xa9, 0xdf, 0xbf]);
});

test("encodes U+0800..U+FFFF in three bytes", () => {
  encodes("\u0800€\uffff", [0xe0, 0xa0, 0x80, 0xe2, 0x82, 0xac, 0xef, 0xbf, 0xbf]);
});

test("encodes a surrogate pair in four bytes", () => {
  encodes("🙂\u{10ffff}\u{10000}", [0xf0, 0x9f, 0x99, 0x82, 0xf4, 0x8f, 0xbf, 0xbf, 0xf0, 0x90, 0x80, 0x80]);
});

test("encodes a lone high surrogate as itself (WTF-8), also at the end", () => {
  encodes("\ud83dA\ud800", [0xed, 0xa0, 0xbd, 0x41, 0xed, 0xa0, 0x80]);
});

test("encodes a lone low surrogate and a reversed pair as themselves", () => {
  encodes("\ude42\ude42\ud83d", [0xed, 0xb9, 0x82, 0xed, 0xb9, 0x82, 0xed, 0xa0, 0xbd]);
});

test("agrees with String.UTF8.encode on valid text", () => {
  const s = "añ€🙂z";
  const utf8 = Uint8Array.wrap(String.UTF8.encode(s));
  const expected = new Array<u8>(utf8.length);
  for (let i = 0; i < utf8.length; i++) expected[i] = utf8[i];
  encodes(s, expected);
});

test("writes numbers in decimal, zero-padded", () => {
  putUint(0);
  putString(" ");
  putUint(u64.MAX_VALUE);
  putString(" ");
  putU32(7, 3);
  putString(" ");
  putInt(-42);
  putString(" ");
  putInt(i64.MIN_VALUE + 1);
  putString("\n");
}).stdout("0 18446744073709551615 007 -42 -9223372036854775807\n");

test("flushes output longer than its buffer", () => {
  for (let i = 0; i < 100; i++) putString("0123456789");
  putString("\n");
}).stdout("0123456789".repeat(100) + "\n");

export function _start(): void {
  runTests();
}
