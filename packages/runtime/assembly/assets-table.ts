// The embedded files' table. This file is a placeholder with no assets:
// `tessera build` replaces it, on its way into the compiler, with one made
// from the app's assets directory (`tessera.assets` in package.json, or
// `--assets DIR`). See packages/cli/src/build/assets.ts for the layout.
export const ASSET_COUNT: i32 = 0;
export const ASSET_FILES: i32 = 0;
export const ASSET_COMPRESSED: bool = false;
export const ASSET_TABLE: usize = 0;
export const ASSET_BLOB: usize = 0;
