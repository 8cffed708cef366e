/**
 * Reproducible container images: a ustar writer, sha256 descriptors, the OCI
 * image config and manifest of a one-layer image FROM scratch, and the one
 * archive that docker load, podman load, ctr images import and skopeo's
 * oci-archive: all read. The same inputs give the same bytes.
 *
 * @module
 */
export * from "./tar.js";
export * from "./digest.js";
export * from "./gzip.js";
export * from "./reference.js";
export * from "./image.js";
export * from "./archive.js";
