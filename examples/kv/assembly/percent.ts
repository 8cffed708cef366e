// Percent-encoding (RFC 3986) of keys in paths and in the prefix= query parameter.

function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** The bytes of `len` bytes at `ptr` with every `%XX` decoded, or null for a bad escape. */
export function decodePercent(ptr: usize, len: u32): Uint8Array | null {
  const out = new Uint8Array(len);
  let n = 0;
  for (let i: u32 = 0; i < len; i++) {
    let c = <u32>load<u8>(ptr + i);
    if (c == 0x25) {
      if (i + 2 >= len) return null;
      const hi = hexValue(load<u8>(ptr + i + 1));
      const lo = hexValue(load<u8>(ptr + i + 2));
      if (hi < 0 || lo < 0) return null;
      c = <u32>((hi << 4) | lo);
      i += 2;
    }
    out[n++] = <u8>c;
  }
  return out.subarray(0, n);
}

const HEX = "0123456789ABCDEF";

/** `bytes` as text, with every byte outside RFC 3986's unreserved characters and `/` as `%XX`. */
export function encodePercent(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = <u32>bytes[i];
    const plain =
      c - 0x61 < 26 || c - 0x41 < 26 || c - 0x30 < 10 || c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e || c == 0x2f;
    s += plain ? String.fromCharCode(c) : "%" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
  }
  return s;
}

/** The decoded value of query parameter `name` in `target` (`/kv?prefix=a%2F`): empty if absent, null if badly encoded. */
export function queryParam(target: string, name: string): Uint8Array | null {
  const q = target.indexOf("?");
  if (q < 0) return new Uint8Array(0);
  const pairs = target.substring(q + 1).split("&");
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    if (!pair.startsWith(name + "=")) continue;
    const bytes = String.UTF8.encode(pair.substring(name.length + 1).replaceAll("+", " "));
    return decodePercent(changetype<usize>(bytes), <u32>bytes.byteLength);
  }
  return new Uint8Array(0);
}
