// Where an interface sends frames: the net device in an image, an in-memory
// wire in tests. Protocol code writes to a Link and never calls the host.

/** Sends whole Ethernet frames. */
export abstract class Link {
  /** Sends the `len`-byte frame at `ptr`; false if it was dropped. The bytes may be reused after it returns. */
  abstract send(ptr: usize, len: u32): bool;
}
