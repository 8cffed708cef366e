// Why a frame was dropped: every wire format's check and parse return one of
// these, and the interface counts drops by reason.

/** The outcome of checking or parsing received bytes: `Ok`, or why they were dropped. */
export enum Drop {
  /** Not dropped. */
  Ok = 0,
  /** Shorter than its header, or than a length field says. */
  Truncated,
  /** A length field that contradicts itself or the buffer (too small, too large). */
  BadLength,
  /** The checksum does not verify. */
  BadChecksum,
  /** A version field we do not speak (e.g. IP version 6 in an IPv4 header). */
  BadVersion,
  /** Valid but not handled here: an unknown EtherType, protocol, ARP operation, option. */
  Unsupported,
  /** Structurally wrong in a way no other reason names (bad option encoding, bad flags). */
  Malformed,
  /** A DNS name that loops through compression pointers or is too long. */
  BadName,
  /** Addressed to someone else (another MAC or IP). */
  NotForUs,
  /** TTL reached zero, or another rule of the protocol forbids it. */
  Forbidden,
  /** No room: a full queue, table or reassembly buffer. */
  NoRoom,
  /** An IPv4 fragment, in an image that does not reassemble them (see `Interface.reassembleFragments`). */
  Fragment,
  /** Number of reasons; keep last. */
  Count,
}

/** A short name for a drop reason, for counters and logs. */
export function dropName(reason: Drop): string {
  switch (reason) {
    case Drop.Ok:
      return "ok";
    case Drop.Truncated:
      return "truncated";
    case Drop.BadLength:
      return "bad-length";
    case Drop.BadChecksum:
      return "bad-checksum";
    case Drop.BadVersion:
      return "bad-version";
    case Drop.Unsupported:
      return "unsupported";
    case Drop.Malformed:
      return "malformed";
    case Drop.BadName:
      return "bad-name";
    case Drop.NotForUs:
      return "not-for-us";
    case Drop.Forbidden:
      return "forbidden";
    case Drop.NoRoom:
      return "no-room";
    case Drop.Fragment:
      return "fragment";
    default:
      return "unknown";
  }
}
