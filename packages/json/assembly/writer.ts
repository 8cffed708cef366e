// Writing JSON text (RFC 8259): values, objects and arrays one piece at a time, the commas and the strings'
// escapes done here, so that an app never builds JSON by concatenating strings.
//
//   const w = new JsonWriter();
//   w.beginObject().key("id").str("n1").key("tags").beginArray().str("a").str("b").end().end();
//   w.toString(); // {"id":"n1","tags":["a","b"]}

/**
 * `s` as a JSON string literal: quoted, with `"`, `\` and the control characters (U+0000 to U+001F) escaped
 * (`\n`, `\t` and the like by name, the rest as `\u00XX`); everything else as it is.
 */
export function quote(s: string): string {
  let out = "";
  let from = 0; // the start of the run of characters that need no escape
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(from, i) + escape(c);
    from = i + 1;
  }
  return from == 0 ? '"' + s + '"' : '"' + out + s.substring(from) + '"';
}

// The escape of `c`, a quote, a backslash or a control character.
function escape(c: i32): string {
  if (c == 0x22) return '\\"';
  if (c == 0x5c) return "\\\\";
  if (c == 0x0a) return "\\n";
  if (c == 0x0d) return "\\r";
  if (c == 0x09) return "\\t";
  if (c == 0x08) return "\\b";
  if (c == 0x0c) return "\\f";
  return "\\u" + c.toString(16).padStart(4, "0");
}

/**
 * Builds JSON text: `beginObject`, `key` and a value for each member, `end`; `beginArray`, values, `end`.
 * Commas go where they belong. Members are written in the order given (a key given twice is written twice).
 * The writer does not check the nesting: `toString` is valid JSON when every object and array begun was ended,
 * every key has its value, and there is one value at the top.
 */
export class JsonWriter {
  private readonly parts: string[] = [];
  // One entry per open object or array: its closing bracket, and whether it has a value yet (the next needs a comma).
  private readonly closers: string[] = [];
  private readonly filled: bool[] = [];
  private afterKey: bool = false;

  /** Opens an object: `{`. */
  beginObject(): JsonWriter {
    return this.open("{", "}");
  }

  /** Opens an array: `[`. */
  beginArray(): JsonWriter {
    return this.open("[", "]");
  }

  /** Closes the innermost object or array (nothing if none is open). */
  end(): JsonWriter {
    if (this.closers.length == 0) return this;
    this.filled.pop();
    this.parts.push(this.closers.pop());
    return this;
  }

  /** The name of the next member of the object: `"name":`. */
  key(name: string): JsonWriter {
    this.comma();
    this.parts.push(quote(name) + ":");
    this.afterKey = true;
    return this;
  }

  /** A string value. */
  str(value: string): JsonWriter {
    return this.value(quote(value));
  }

  /** An integer value. */
  int(value: i64): JsonWriter {
    return this.value(value.toString());
  }

  /** A number value; NaN and the infinities, which JSON has no words for, are written as null. */
  num(value: f64): JsonWriter {
    return this.value(isFinite(value) ? value.toString() : "null");
  }

  /** true or false. */
  bool(value: bool): JsonWriter {
    return this.value(value ? "true" : "false");
  }

  /** null. */
  nul(): JsonWriter {
    return this.value("null");
  }

  /** JSON text made elsewhere, as one value (it is not checked). */
  raw(json: string): JsonWriter {
    return this.value(json);
  }

  /** The text written so far. */
  toString(): string {
    return this.parts.join("");
  }

  /** The text written since the last `take` (or since the start), which the writer then forgets; it stays where
   * it was in the nesting, so writing carries on after it (`JsonBody` streams a response this way). */
  take(): string {
    const text = this.parts.join("");
    this.parts.length = 0;
    return text;
  }

  private open(bracket: string, closer: string): JsonWriter {
    this.value(bracket);
    this.closers.push(closer);
    this.filled.push(false);
    return this;
  }

  private value(text: string): JsonWriter {
    if (this.afterKey) this.afterKey = false;
    else this.comma();
    this.parts.push(text);
    return this;
  }

  // A comma before the next member or element, unless it is the first.
  private comma(): void {
    const depth = this.filled.length;
    if (depth == 0) return;
    if (this.filled[depth - 1]) this.parts.push(",");
    else this.filled[depth - 1] = true;
  }
}
