// What the endpoint's table (table.ts) keys its entries on: a connection (control-block.ts) or a
// connection's TIME-WAIT record (time-wait.ts), both of which extend this.

/** A 4-tuple: the local and remote ends of a connection. */
export class TcpTuple {
  /** Local address. */
  localAddr: u32 = 0;
  /** Local port. */
  localPort: u32 = 0;
  /** Remote address (0 while listening). */
  remoteAddr: u32 = 0;
  /** Remote port (0 while listening). */
  remotePort: u32 = 0;
}
