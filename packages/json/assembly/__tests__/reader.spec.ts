// JsonReader: the tokens of JSON text, strings and numbers as values, RFC 8259's errors with their byte offsets,
// and the limits.

import { JsonReader, JsonToken } from "@tessera/json/assembly";
import { expect, runTests, test } from "@tessera/test/assembly";

// The texts read here, kept alive while their readers read them.
const texts = new Array<ArrayBuffer>();

function reader(text: string, maxDepth: i32 = 64, maxBytes: u32 = 1 << 20): JsonReader {
  const bytes = String.UTF8.encode(text);
  texts.push(bytes);
  return new JsonReader(changetype<usize>(bytes), <u32>bytes.byteLength, maxDepth, maxBytes);
}

// The tokens of `text`, one letter each ({}[]k s n t f 0 .), and `!` with the message at an error.
function tokens(text: string): string {
  const r = reader(text);
  let out = "";
  let t = JsonToken.None;
  while (t != JsonToken.End && t != JsonToken.Error) {
    t = r.next();
    if (t == JsonToken.ObjectStart) out += "{";
    else if (t == JsonToken.ObjectEnd) out += "}";
    else if (t == JsonToken.ArrayStart) out += "[";
    else if (t == JsonToken.ArrayEnd) out += "]";
    else if (t == JsonToken.Key) out += "k";
    else if (t == JsonToken.String) out += "s";
    else if (t == JsonToken.Number) out += "n";
    else if (t == JsonToken.True) out += "t";
    else if (t == JsonToken.False) out += "f";
    else if (t == JsonToken.Null) out += "0";
    else if (t == JsonToken.End) out += ".";
    else out += "! " + r.message;
  }
  return out;
}

// The message for `text`, or "ok".
function check(text: string): string {
  const r = reader(text);
  return r.finish() ? "ok" : r.message;
}

test("reads every kind of token, at the top and nested", () => {
  expect(tokens('{"a":[1,"x",true,false,null,{}],"b":{"c":[]}}'), "{k[nstf0{}]k{k[]}}.");
  expect(tokens(" \t\r\n[ 1 , 2 ] \n"), "[nn].");
  expect(tokens("42"), "n.");
  expect(tokens('"s"'), "s.");
  expect(tokens("null"), "0.");
  expect(tokens("[[[]]]"), "[[[]]].");
});

test("errors name what was expected and the byte's offset", () => {
  expect(check('{"a" 1}'), "JSON: expected ':' at byte 5");
  expect(check('{"a":1,}'), "JSON: expected a member name at byte 7");
  expect(check("[1,]"), "JSON: expected a value at byte 3");
  expect(check("[1 2]"), "JSON: expected ',' or ']' at byte 3");
  expect(check('{"a":1 "b":2}'), "JSON: expected ',' or '}' at byte 7");
  expect(check("{1:2}"), "JSON: expected a member name at byte 1");
  expect(check("[1]x"), "JSON: expected the end of the text at byte 3");
  expect(check(""), "JSON: unexpected end of the text at byte 0");
  expect(check("[1,"), "JSON: unexpected end of the text at byte 3");
  expect(check('"abc'), "JSON: unexpected end of the text at byte 4");
  expect(check("[tru]"), "JSON: expected a value at byte 1");
  expect(check("{'a':1}"), "JSON: expected a member name at byte 1");
  expect(check("[1] [2]"), "JSON: expected the end of the text at byte 4");
  expect(check("\uFEFF{}"), "JSON: expected a value at byte 0");
});

test("numbers: RFC 8259's grammar only", () => {
  expect(check("[0, -0, 1.5, -1.5e10, 2E-3, 1e+2, 0.0]"), "ok");
  expect(check("012"), "JSON: a number cannot start with 0 at byte 0");
  expect(check("-012"), "JSON: a number cannot start with 0 at byte 1");
  expect(check("+1"), "JSON: expected a value at byte 0");
  expect(check("1."), "JSON: expected a digit at byte 2");
  expect(check(".5"), "JSON: expected a value at byte 0");
  expect(check("1e"), "JSON: expected a digit at byte 2");
  expect(check("-"), "JSON: expected a digit at byte 1");
  expect(check("NaN"), "JSON: expected a value at byte 0");
  expect(check("[Infinity]"), "JSON: expected a value at byte 1");
  expect(check("0x10"), "JSON: expected the end of the text at byte 1");
});

test("numbers as f64 and, where integral, as exact i64", () => {
  const r = reader("[9223372036854775807, -9223372036854775808, 9223372036854775808, 1.5, 2e3, 1.0, -0, 1e400, 0.1]");
  r.next();
  r.next();
  expect(r.isInt, true);
  expect(r.int(), i64.MAX_VALUE);
  r.next();
  expect(r.isInt, true);
  expect(r.int(), i64.MIN_VALUE);
  r.next();
  expect(r.isInt, false, "one past i64");
  expect(r.number(), 9223372036854775808.0);
  expect(r.int(), i64.MAX_VALUE, "saturated");
  r.next();
  expect(r.isInt, false);
  expect(r.number(), 1.5);
  expect(r.int(), 1);
  r.next();
  expect(r.isInt, true, "2e3 is integral");
  expect(r.int(), 2000);
  r.next();
  expect(r.isInt, true);
  expect(r.int(), 1);
  r.next();
  expect(r.int(), 0);
  r.next();
  expect(r.number(), Infinity);
  expect(r.isInt, false);
  r.next();
  expect(r.number(), 0.1);
  expect(r.next(), JsonToken.ArrayEnd);
  expect(r.next(), JsonToken.End);
});

test("strings: unescaped on request, surrogate pairs joined, UTF-8 decoded", () => {
  const r = reader('["plain", "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t", "\\u00e9\\u20AC\\ud834\\udd1e", "café ☕ 𝄞", ""]');
  r.next();
  r.next();
  expect(r.string(), "plain");
  r.next();
  expect(r.string(), 'a"b\\c/d\b\f\n\r\t');
  r.next();
  expect(r.string(), "é€𝄞");
  r.next();
  expect(r.string(), "café ☕ 𝄞");
  r.next();
  expect(r.string(), "");
  expect(r.rawLength, 0);
});

test("strings: bad escapes, lone surrogates, control characters and bad UTF-8 are refused", () => {
  expect(check('"\\x41"'), "JSON: a bad escape at byte 1");
  expect(check('"\\u12"'), "JSON: a bad escape at byte 1");
  expect(check('"\\u12G4"'), "JSON: a bad escape at byte 1");
  expect(check('"a\\ud800"'), "JSON: a lone surrogate at byte 2");
  expect(check('"\\ud800\\u0041"'), "JSON: a lone surrogate at byte 1");
  expect(check('"\\udc00\\ud800"'), "JSON: a lone surrogate at byte 1");
  expect(check('"a\tb"'), "JSON: a control character in a string at byte 2");
  expect(check('"a\nb"'), "JSON: a control character in a string at byte 2");
  expect(check('"\\'), "JSON: a bad escape at byte 1");
});

test("bad UTF-8 in a string is refused: stray continuation, overlong, surrogate, past U+10FFFF, cut short", () => {
  const bad: u8[][] = [
    [0x80],
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xe2, 0x82],
  ];
  for (let i = 0; i < bad.length; i++) {
    const b = bad[i];
    const text = new Uint8Array(b.length + 3);
    text[0] = 0x5b;
    text[1] = 0x22;
    for (let k = 0; k < b.length; k++) text[2 + k] = b[k];
    text[b.length + 2] = 0x22;
    const r = JsonReader.of(text);
    expect(r.finish(), false);
    expect(r.message, "JSON: bad UTF-8 at byte 2");
  }
  expect(check('["\u00e9\u20ac\ud834\udd1e\u007f"]'), "ok");
});

test("keys: keyIs compares without allocating; member finds one by name", () => {
  const r = reader('{"id": 7, "tags": ["a", {"x": [1]}], "caf\\u00e9": 1, "text": "hi", "after": 2}');
  expect(r.next(), JsonToken.ObjectStart);
  expect(r.member("text"), true);
  expect(r.next(), JsonToken.String);
  expect(r.string(), "hi");
  expect(r.member("missing"), false);
  expect(r.token, JsonToken.ObjectEnd);
  expect(r.finish(), true);

  const k = reader('{"caf\\u00e9": 1, "é": 2, "a": 3}');
  k.next();
  k.next();
  expect(k.keyIs("café"), true);
  expect(k.keyIs("cafe"), false);
  k.skip();
  k.next();
  expect(k.keyIs("é"), true);
  k.skip();
  k.next();
  expect(k.keyIs("a"), true);
  expect(k.keyIs("ab"), false);
});

test("skip: a member's value, the rest of an object or array, nothing after a scalar", () => {
  const r = reader('{"a": {"b": [1, {"c": 2}]}, "d": [[], []], "e": 3}');
  r.next();
  r.next(); // "a"
  expect(r.skip(), true);
  expect(r.next(), JsonToken.Key); // "d"
  expect(r.next(), JsonToken.ArrayStart);
  expect(r.skip(), true);
  expect(r.next(), JsonToken.Key); // "e"
  expect(r.next(), JsonToken.Number);
  expect(r.skip(), true);
  expect(r.next(), JsonToken.ObjectEnd);
  expect(r.skip(), false);
  expect(r.next(), JsonToken.End);
  expect(r.next(), JsonToken.End, "the end stays");
});

test("limits: nesting and size, with their defaults and set", () => {
  expect(check("[".repeat(64) + "]".repeat(64)), "ok");
  expect(check("[".repeat(65) + "]".repeat(65)), "JSON: nested too deep at byte 64");
  const deep = reader("[[[1]]]", 2);
  expect(deep.finish(), false);
  expect(deep.message, "JSON: nested too deep at byte 2");
  expect(reader("[[1]]", 2).finish(), true);
  const big = reader("[1, 2]", 64, 5);
  expect(big.next(), JsonToken.Error);
  expect(big.message, "JSON: the text is longer than the limit at byte 5");
  expect(reader("[1,2]", 64, 5).finish(), true);
});

test("an error stops the reader; reset starts it over without allocating", () => {
  const r = reader("[1, x]");
  expect(r.next(), JsonToken.ArrayStart);
  expect(r.next(), JsonToken.Number);
  expect(r.next(), JsonToken.Error);
  expect(r.failed, true);
  expect(r.errorOffset, 4);
  expect(r.reason, "expected a value");
  expect(r.next(), JsonToken.Error);
  const again = String.UTF8.encode('{"ok": true}');
  r.reset(changetype<usize>(again), <u32>again.byteLength);
  expect(r.failed, false);
  expect(r.message, "");
  expect(r.reason, "");
  expect(r.next(), JsonToken.ObjectStart);
  expect(r.member("ok"), true);
  expect(r.next(), JsonToken.True);
  expect(r.bool(), true);
  expect(r.finish(), true);
});

export function _start(): void {
  runTests();
}
