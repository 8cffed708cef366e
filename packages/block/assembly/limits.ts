// The sizes the store accepts, as constants an app can check before it asks (an HTTP service answers 413/414 with them).

/** The longest key, in bytes. */
export const MAX_KEY_SIZE: u32 = 1024;

/** The longest value, in bytes. */
export const MAX_VALUE_SIZE: u32 = 1 << 20;

/** The most operations in one batch. */
export const MAX_BATCH_OPS: u32 = 65536;
