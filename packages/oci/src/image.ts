// An image of one layer, FROM scratch: the layer (a reproducible gzip-compressed
// tar), its OCI image config and its OCI manifest. JSON is written with a
// fixed key order, so the same inputs give the same digests.
import { describe, sha256, type Descriptor } from "./digest.js";
import { gzip } from "./gzip.js";
import { tar, type TarEntry } from "./tar.js";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
} as const;

/** The time every image claims it was made, and every file in it (reproducible builds: 1970-01-01). */
export const EPOCH = "1970-01-01T00:00:00Z";

/** What goes into an image. */
export interface ImageSpec {
  /** The root file system: its directories and files (sorted by name here). */
  files: TarEntry[];
  entrypoint: string[];
  /** Default arguments after the entrypoint; none if absent. */
  cmd?: string[];
  /** `80/tcp`, `53/udp`. */
  exposedPorts: string[];
  /** Directories that are volumes, e.g. `/data`. */
  volumes: string[];
  labels: Record<string, string>;
  /** What made the image, for its history (`tessera package build/http.spt`). */
  createdBy: string;
}

/** An image's blobs and their descriptors. */
export interface Image {
  /** The compressed layer. */
  layer: Uint8Array;
  /** The digest of the uncompressed layer (the config's diff_id). */
  diffId: string;
  /** Bytes of the uncompressed layer. */
  layerTarSize: number;
  config: Uint8Array;
  manifest: Uint8Array;
  /** The manifest's descriptor: its digest is the image's digest. */
  manifestDescriptor: Descriptor;
  /** Every blob by digest: config, layer, manifest. */
  blobs: Map<string, Uint8Array>;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const sortedKeys = <T>(o: Record<string, T>) =>
  Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
const set = (keys: string[]) => Object.fromEntries([...new Set(keys)].sort().map((k) => [k, {}]));

/** Builds the image of `spec`. */
export function buildImage(spec: ImageSpec): Image {
  const files = [...spec.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const layerTar = tar(files);
  const layer = gzip(layerTar);
  const diffId = sha256(layerTar);
  const config = json({
    created: EPOCH,
    architecture: "amd64",
    os: "linux",
    config: {
      ...(spec.exposedPorts.length ? { ExposedPorts: set(spec.exposedPorts) } : {}),
      Entrypoint: spec.entrypoint,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ...(spec.volumes.length ? { Volumes: set(spec.volumes) } : {}),
      WorkingDir: "/",
      Labels: sortedKeys(spec.labels),
    },
    rootfs: { type: "layers", diff_ids: [diffId] },
    history: [{ created: EPOCH, created_by: spec.createdBy }],
  });
  const configDescriptor = describe(MEDIA_TYPES.config, config);
  const layerDescriptor = describe(MEDIA_TYPES.layer, layer);
  const manifest = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: configDescriptor,
    layers: [layerDescriptor],
  });
  const manifestDescriptor = describe(MEDIA_TYPES.manifest, manifest);
  const blobs = new Map([
    [configDescriptor.digest, config],
    [layerDescriptor.digest, layer],
    [manifestDescriptor.digest, manifest],
  ]);
  return { layer, diffId, layerTarSize: layerTar.length, config, manifest, manifestDescriptor, blobs };
}
