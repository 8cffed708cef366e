/**
 * The Node.js tender: runs a Tessera image on the calling thread and
 * implements every call of the guest ABI, checking every guest pointer.
 *
 * @module
 */
export { runImage, runFile } from "./run.js";
export { TenderError } from "./errors.js";
export { formatTrap } from "./trap.js";
export type { RunOptions, RunResult, Timings } from "./options.js";
export { VirtualSwitch, type SwitchOptions, type SwitchStats } from "./net/switch-host.js";
export { applyPublish, parsePublish, type Publish } from "./net/publish.js";
export { GatewayCore, GATEWAY_ADDR, GUEST_ADDR } from "./net/gateway-core.js";
export {
  BLOCK_SIZES,
  DEFAULT_BLOCK_SIZE,
  decodeLabel,
  encodeLabel,
  LABEL_SIZE,
  MAX_CAPACITY,
  parseSize,
  readLabel,
  type DiskLabel,
} from "./block/label.js";
export { openDisk } from "./block/disk.js";
export { lockHolder, lockPath, takeLock } from "./block/lock.js";
