/**
 * Turns a compiled module into a Tessera image: the ABI version and the
 * manifest go in as custom sections, the function names move to a sidecar
 * file (release builds), and the result is checked like a host would.
 *
 * @module
 */
import { ABI_VERSION, SECTION_ABI, SECTION_MANIFEST } from "@tessera/abi";
import {
  addCustomSection,
  checkImage,
  ImageError,
  makeNamesFile,
  parseImage,
  takeCustomSection,
  type Manifest,
} from "@tessera/image";

/** A finished image and its sidecar. */
export interface Finished {
  image: Uint8Array;
  /** A names file (`<image>.names`) for release builds; null when names stay inside. */
  names: Uint8Array | null;
  manifest: Manifest;
}

/** Makes the image from asc's output; throws ImageError if it is not a valid Tessera image. */
export function finish(wasm: Uint8Array, manifest: Manifest, keepNames: boolean): Finished {
  let bytes = wasm;
  let names: Uint8Array | null = null;
  if (!keepNames) {
    const taken = takeCustomSection(bytes, "name");
    bytes = taken.bytes;
    if (taken.payload) names = makeNamesFile(taken.payload);
  }
  const version = new Uint8Array(4);
  new DataView(version.buffer).setUint32(0, ABI_VERSION, true);
  bytes = addCustomSection(bytes, SECTION_ABI, version);
  // The wasm image's section names the devices only: the ports and disk sizes are for `tessera package`, which
  // takes native images, whose notes carry the whole manifest (and a 64 KiB web server has no bytes to spare).
  const devicesOnly: Manifest = { version: manifest.version, devices: manifest.devices };
  bytes = addCustomSection(bytes, SECTION_MANIFEST, new TextEncoder().encode(JSON.stringify(devicesOnly)));
  const image = parseImage(bytes);
  checkImage(image);
  for (const kind of ["net", "block"] as const) {
    const imports = image.imports.some((i) => i.name === `${kind}_acquire`);
    if (imports && !manifest.devices.some((d) => d.kind === kind))
      throw new ImageError(
        `the image acquires ${kind} devices but names none: open them with ${kind === "net" ? 'NetDevice.open("name")' : 'BlockDevice.open("name")'}`,
      );
  }
  return { image: bytes, names, manifest };
}
