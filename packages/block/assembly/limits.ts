// The sizes the store accepts, as constants an app can check before it asks (an HTTP service answers 413/414 with them).

/** The longest key, in bytes. */
export const MAX_KEY_SIZE: u32 = 1024;

/** The longest value, in bytes. */
export const MAX_VALUE_SIZE: u32 = 1 << 20;

/** The most operations in one batch. */
export const MAX_BATCH_OPS: u32 = 65536;

/**
 * The most bytes one batch takes in the log: its keys and values, and 8 bytes
 * of entry header each. It bounds every frame, so a damaged length field
 * never makes a mount allocate more than this.
 */
export const MAX_BATCH_BYTES: u32 = 4 << 20;
