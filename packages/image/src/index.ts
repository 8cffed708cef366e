/**
 * The Tessera image format: a strict reader of the wasm binary, the device
 * manifest, the checks every host makes before running an image, and the
 * small rewrites the CLI and tenders need.
 *
 * @module
 */
export * from "./errors.js";
export * from "./types.js";
export { parseImage, functionType, SECTION_NAMES } from "./parse.js";
export * from "./manifest.js";
export * from "./check.js";
export {
  addCustomSection,
  takeCustomSection,
  setMemoryMaximum,
  makeNamesFile,
  customSection,
  leb128,
  sleb128,
} from "./write.js";
export { Reader } from "./reader.js";
export * from "./names.js";
export * from "./native.js";
