// One tar that every engine loads: an OCI image layout (oci-layout,
// index.json, blobs/sha256/...) for podman load, skopeo's oci-archive: and
// ctr images import, and Docker's manifest.json, naming the same blobs, for
// docker load (Docker 20.10 reads only manifest.json). BuildKit's docker
// exporter writes the same shape. There is no `repositories` file: it names
// the legacy per-layer directories of Docker before 1.10, which this archive
// does not have, and every Docker since reads manifest.json instead.
import { blobPath } from "./digest.js";
import { MEDIA_TYPES, type Image } from "./image.js";
import type { Reference } from "./reference.js";
import { tar, type TarEntry } from "./tar.js";

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The archive of `image`, named `ref`. */
export function imageArchive(image: Image, ref: Reference): Uint8Array {
  const config = JSON.parse(new TextDecoder().decode(image.manifest)) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const index = json({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        ...image.manifestDescriptor,
        annotations: {
          "io.containerd.image.name": `${ref.fullName}:${ref.tag}`,
          "org.opencontainers.image.ref.name": ref.tag,
        },
      },
    ],
  });
  const dockerManifest = json([
    {
      Config: blobPath(config.config.digest),
      RepoTags: [`${ref.name}:${ref.tag}`],
      Layers: config.layers.map((l) => blobPath(l.digest)),
    },
  ]);
  const entries: TarEntry[] = [
    { name: "blobs/", mode: 0o755 },
    { name: "blobs/sha256/", mode: 0o755 },
    ...[...image.blobs.keys()].sort().map((d) => ({ name: blobPath(d), mode: 0o644, data: image.blobs.get(d) })),
    { name: "index.json", mode: 0o644, data: index },
    { name: "manifest.json", mode: 0o644, data: dockerManifest },
    { name: "oci-layout", mode: 0o644, data: json({ imageLayoutVersion: "1.0.0" }) },
  ];
  return tar(entries);
}
