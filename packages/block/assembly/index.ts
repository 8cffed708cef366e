// @tessera/block: block devices (the Disk interface, BlockDevice over the ABI) and a crash-safe key-value store on them.

export * from "./disk";
export * from "./device";
export * from "./errors";
export * from "./limits";
export * from "./batch";
export * from "./cursor";
export * from "./store";
export * from "./group";
