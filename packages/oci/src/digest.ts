// Content addresses: the sha256 digest of a blob and its OCI descriptor.
import { createHash } from "node:crypto";

/** `sha256:<64 hex digits>` of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** An OCI content descriptor: what a blob is, its digest and size. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The descriptor of `bytes` as a blob of `mediaType`. */
export function describe(mediaType: string, bytes: Uint8Array): Descriptor {
  return { mediaType, digest: sha256(bytes), size: bytes.length };
}

/** The path of a blob in an OCI layout: `blobs/sha256/<hex>`. */
export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  return `blobs/${algorithm}/${hex}`;
}
