// Function names from a full image or from a `.names` sidecar module.
import { parseImage } from "./parse.js";

/** Function names (subsection 1 of the `name` section) by function index, from an image or a names sidecar. */
export function parseNames(bytes: Uint8Array): Map<number, string> {
  return parseImage(bytes).functionNames;
}
