// The chunked transfer coding (RFC 9112 §7.1), decoded strictly: the one decoder of the server's request parser
// and of the client's responses.
//
//   chunked-body    = *chunk last-chunk trailer-section CRLF
//   chunk           = chunk-size [ chunk-ext ] CRLF chunk-data CRLF      (last-chunk: a size of 0, no data)
//   chunk-size      = 1*HEXDIG                                          (16 digits at most, leading zeros included)
//   chunk-ext       = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//   chunk-ext-val   = token / quoted-string
//   trailer-section = *( field-name ":" OWS field-value OWS CRLF )
//
// So whitespace (BWS: SP, HTAB) is accepted where the grammar has it, before ";" and around "=" and after ";",
// and nowhere else: "5 \r\n" and "5 6\r\n" are 400. Every line ends in CRLF exactly; a bare LF or CR is 400, since
// lenient chunk parsing is where request smuggling lives. Extensions are checked and ignored (MAX_CHUNK_EXT bytes
// at most); trailer fields are checked and skipped. Chunk data is never copied: it is reported as spans of the fed
// bytes.

import { CR, HTAB, hexValue, isFieldByte, isTchar, LF, SP } from "./chars";

/** The longest chunk extension accepted (bytes between the size and CRLF); longer is 400. */
export const MAX_CHUNK_EXT: u32 = 1024;
const MAX_CHUNK_DIGITS: u32 = 16; // leading zeros included: 64 bits
const X: u8 = 0xff; // no transition (400), in the table
const NONE: i32 = X;

// Where the decoder is. The extension steps come first: they index the table below, and their transitions are it.
enum Step {
  Ext, // after the size or an extension's value: ";", whitespace before it, or the CR
  ExtWs, // whitespace after the size or a value: only ";" may follow
  Name0, // after ";": whitespace, then a name
  Name,
  NameWs, // whitespace after a name: "=" or ";" must follow
  Value0, // after "=": whitespace, then a token or a quoted string
  Token,
  Quoted,
  Escape, // after a backslash in a quoted string
  Size,
  SizeLF, // line ends: the size line's LF,
  DataCR, // the CR and LF after a chunk's data,
  DataLF,
  TrailerLF, // a trailer's LF,
  EndLF, // and the LF of the empty line that ends the body
  Trailer, // the start of a trailer line, or the CR of the empty line
  TrailerName,
  TrailerValue,
  Data,
  Done,
}

// The extension steps' transitions by the class of the byte: a tchar, whitespace, ";", "=", a quote, CR.
// prettier-ignore
const EXT: usize = memory.data<u8>([
  //  tchar  ws  ;  =  "  CR
  X, 1, 2, X, X, 10, // Ext: to ExtWs, Name0, SizeLF
  X, 1, 2, X, X, X, // ExtWs
  3, 2, X, X, X, X, // Name0: to Name
  3, 4, 2, 5, X, 10, // Name: to NameWs, Value0
  X, 4, 2, 5, X, X, // NameWs
  6, 5, X, X, 7, X, // Value0: to Token, Quoted
  6, 1, 2, X, X, 10, // Token
]);

// The steps after the line-end steps, SizeLF to EndLF.
const LINE_ENDS: usize = memory.data<u8>([
  <u8>Step.Data,
  <u8>Step.DataLF,
  <u8>Step.Size,
  <u8>Step.Trailer,
  <u8>Step.Done,
]);

// The class of `c` as a column of EXT (6: none).
function extClass(c: u32): u32 {
  if (isTchar(c)) return 0;
  if (c == SP || c == HTAB) return 1;
  if (c == 0x3b) return 2; // ;
  if (c == 0x3d) return 3; // =
  if (c == 0x22) return 4; // "
  return c == CR ? 5 : 6;
}

/** Decodes one chunked body after another (`reset` between them). */
export class ChunkedDecoder {
  /** The largest body: chunk sizes that would take the data past it are 413. */
  maxBody: u64 = u64.MAX_VALUE;
  /** The largest trailer section in bytes (431 past it). */
  maxTrailer: u32 = 8192;
  /** Data bytes decoded so far. */
  received: u64 = 0;
  /** 0, or the status of the error that stopped decoding (400, 413, 431) until `reset`. */
  status: u32 = 0;
  /** After `feed`: address of the chunk data it found (a span of the fed bytes), if `dataLen` > 0. */
  dataPtr: usize = 0;
  /** After `feed`: bytes of chunk data at `dataPtr` (0: none). */
  dataLen: u32 = 0;
  private step: Step = Step.Size;
  private remaining: u64 = 0; // data bytes left in the chunk, or its size while the size line is read
  private count: u32 = 0; // size digits, extension bytes or trailer bytes so far

  /** Starts a new body. */
  reset(): void {
    this.step = Step.Size;
    this.received = this.remaining = 0;
    this.status = this.count = this.dataLen = 0;
  }

  /** Whether the body is complete: the last chunk, the trailers and the empty line that ends them. */
  get done(): bool {
    return this.step == Step.Done;
  }

  /**
   * Decodes from the `len` bytes at `ptr` until it finds chunk data (`dataLen`), the end (`done`) or an error
   * (`status`), or the bytes run out; returns how many it consumed.
   */
  feed(ptr: usize, len: u32): u32 {
    this.dataLen = 0;
    let i: u32 = 0;
    while (i < len && !this.status && this.step != Step.Done) {
      if (this.step == Step.Data) {
        const n = <u32>min<u64>(this.remaining, len - i);
        this.dataPtr = ptr + i;
        this.dataLen = n;
        this.received += n;
        this.remaining -= n;
        if (this.remaining == 0) this.step = Step.DataCR;
        return i + n;
      }
      this.status = this.byte(<u32>load<u8>(ptr + i++));
    }
    return i;
  }

  // Takes one byte of framing; returns 0, or the status of the error it is.
  private byte(c: u32): u32 {
    let step = this.step;
    if (step == Step.Size) {
      const v = hexValue(c);
      if (v >= 0) {
        if (++this.count > MAX_CHUNK_DIGITS) return 400;
        this.remaining = (this.remaining << 4) | (<u64>v);
        return this.remaining > this.maxBody - this.received ? 413 : 0;
      }
      if (!this.count) return 400;
      this.count = 0;
      step = Step.Ext; // the byte after the size is the extensions' (or the CR)
    }
    let next = NONE;
    if (step <= Step.Escape) {
      if (c != CR && ++this.count > MAX_CHUNK_EXT) return 400;
      if (step == Step.Escape) next = isFieldByte(c) ? Step.Quoted : NONE;
      else if (step == Step.Quoted) {
        // qdtext: field bytes but the quote (the end) and the backslash (an escape).
        next = c == 0x22 ? Step.Ext : c == 0x5c ? Step.Escape : isFieldByte(c) ? Step.Quoted : NONE;
      } else {
        const k = extClass(c);
        if (k < 6) next = load<u8>(EXT + <usize>step * 6 + k);
      }
    } else if (step >= Step.Trailer) {
      // A trailer field: a name, ":", a value; CR ends it (or, at the start of a line, the body).
      if (++this.count > this.maxTrailer) return 431;
      if (step == Step.Trailer) next = c == CR ? Step.EndLF : isTchar(c) ? Step.TrailerName : NONE;
      else if (step == Step.TrailerName) next = c == 0x3a ? Step.TrailerValue : isTchar(c) ? step : NONE;
      else next = c == CR ? Step.TrailerLF : isFieldByte(c) ? step : NONE;
    } else if (c == (step == Step.DataCR ? CR : LF)) {
      // The CR after chunk data, or the LF that ends a line (the count goes on over the trailers only).
      if (step != Step.TrailerLF) this.count = 0;
      next = load<u8>(LINE_ENDS + step - Step.SizeLF);
      if (next == Step.Data && !this.remaining) next = Step.Trailer; // the last chunk
    }
    if (next == NONE) return 400;
    this.step = <Step>next;
    return 0;
  }
}
