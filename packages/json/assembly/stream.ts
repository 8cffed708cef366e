// A JSON response body written as it is sent: `HttpResponse.stream` asks for bytes as the send buffer drains, and
// a `JsonBody` asks the app for the next piece (an element of a long array, say) only then. So a list of any
// length goes out in chunks, with no more than one piece held in memory, rather than joined into one string.
//
//   class Notes extends JsonBody {
//     next: i32 = 0;
//     more(w: JsonWriter): bool {
//       if (this.next == 0) w.beginObject().key("notes").beginArray();
//       if (this.next < notes.length) w.str(notes[this.next++]);
//       if (this.next < notes.length) return true;
//       w.end().end();
//       return false;
//     }
//   }
//   res.header("content-type", "application/json").stream(new Notes()); // chunked (HTTP/1.1)

import { BodySource } from "@tessera/http/assembly";
import { JsonWriter } from "./writer";

/** A response body that writes JSON piece by piece as the connection takes it: extend it and implement `more`. */
export abstract class JsonBody extends BodySource {
  private readonly writer: JsonWriter = new JsonWriter();
  private pending: ArrayBuffer = new ArrayBuffer(0); // the UTF-8 of the last piece
  private at: i32 = 0; // its bytes already sent
  private last: bool = false; // `more` said the body is complete

  /**
   * Writes the next piece of the body with `w` (a value, a member, the closing brackets); returns false once the
   * body is complete. Called only when the previous piece is sent.
   */
  abstract more(w: JsonWriter): bool;

  /** The connection's request for bytes (see `BodySource`): the pieces' UTF-8, then -1 at the end. */
  fill(ptr: usize, cap: u32): i32 {
    let n: u32 = 0;
    while (n < cap) {
      const left = this.pending.byteLength - this.at;
      if (left > 0) {
        const k = min<u32>(<u32>left, cap - n);
        memory.copy(ptr + n, changetype<usize>(this.pending) + this.at, k);
        this.at += k;
        n += k;
        continue;
      }
      if (this.last) break;
      this.last = !this.more(this.writer);
      this.pending = String.UTF8.encode(this.writer.take());
      this.at = 0;
    }
    return n > 0 ? <i32>n : -1;
  }
}
