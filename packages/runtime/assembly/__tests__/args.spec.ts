// The command line: splitting on spaces, keys and values, and an empty command line.

import { Args } from "@tessera/runtime/assembly/args";
import { expect, runTests, test } from "@tessera/test/assembly";

test("splits key=value words, bare words and values with =", () => {
  expect(Args.count, 4);
  expect(Args.key(0), "a");
  expect(Args.get("a"), "1");
  expect(Args.hasValue(1), true, "b= has an empty value");
  expect(Args.get("b"), "");
  expect(Args.has("c"), true);
  expect(Args.hasValue(2), false, "c is a bare word");
  expect(Args.valueLength(2), 0);
  expect(Args.get("c"), "", "a bare word's value is empty");
  expect(Args.get("d"), "x=y", "the value runs past a second =");
  expect(Args.keyLength(3), 1);
  expect(Args.length(3), 5);
  expect(Args.get("e", "none"), "none", "a missing key gives the fallback");
  expect(Args.get("e"), null);
  expect(Args.find("d"), 3);
  expect(Args.find("x"), -1, "a value is not a key");
}).cmdline("a=1 b= c d=x=y");

test("ignores runs of spaces", () => {
  expect(Args.count, 3);
  expect(Args.key(0), "a");
  expect(Args.get("b"), "2");
  expect(Args.key(2), "c");
  expect(Args.length(2), 1);
}).cmdline("   a=1    b=2  c   ");

test("an empty command line has no arguments", () => {
  expect(Args.count, 0);
  expect(Args.has("a"), false);
  expect(Args.length(0), 0, "an index out of range reads as empty");
  expect(Args.length(-1), 0);
}).cmdline("");

test("decodes UTF-8 values", () => {
  expect(Args.get("name"), "héllo");
  expect(Args.valueLength(0), 6);
  expect(Args.get("emoji"), "🙂");
}).cmdline("name=héllo emoji=🙂");

test("reads whole numbers, with a fallback and bounds", () => {
  expect(Args.int("port", 80, 1, 65535), 8080);
  expect(Args.int("zero", 5), 0);
  expect(Args.int("neg", 0), -42);
  expect(Args.int("big", 0), i64.MAX_VALUE, "the largest i64");
  expect(Args.int("small", 0), -i64.MAX_VALUE);
  expect(Args.int("missing", 7, 1, 9), 7, "a missing key gives the fallback");
}).cmdline("port=8080 zero=0 neg=-42 big=9223372036854775807 small=-9223372036854775807");

export function _start(): void {
  runTests();
}
