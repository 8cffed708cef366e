import { describe, expect, test } from "vitest";
import { imageArchive } from "../src/archive.js";
import { blobPath, sha256 } from "../src/digest.js";
import { gunzip, gzip } from "../src/gzip.js";
import { buildImage, type ImageSpec } from "../src/image.js";
import { parseReference, type Reference } from "../src/reference.js";
import { untar } from "../src/tar.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const spec = (image = "image bytes"): ImageSpec => ({
  files: [
    { name: "tessera-spt", mode: 0o755, data: bytes("tender") },
    { name: "data/", mode: 0o755 },
    { name: "hello.spt", mode: 0o644, data: bytes(image) },
  ],
  entrypoint: ["/tessera-spt", "/hello.spt", "--"],
  exposedPorts: ["80/tcp"],
  volumes: ["/data"],
  labels: { "b.label": "2", "a.label": "1" },
  createdBy: "test",
});
const ref = parseReference("tessera/hello:1") as Reference;

describe("references", () => {
  test("names, tags and the name containerd stores", () => {
    expect(parseReference("tessera/http:1")).toEqual({
      name: "tessera/http",
      tag: "1",
      fullName: "docker.io/tessera/http",
    });
    expect(parseReference("hello")).toEqual({ name: "hello", tag: "latest", fullName: "docker.io/library/hello" });
    expect(parseReference("localhost:5000/a/b:v1.2")).toEqual({
      name: "localhost:5000/a/b",
      tag: "v1.2",
      fullName: "localhost:5000/a/b",
    });
  });

  test("what is not a reference says why", () => {
    expect(parseReference("Tessera/http:1")).toMatch(/"Tessera" is not a name component/);
    expect(parseReference("http:-x")).toMatch(/tag "-x" is not one/);
    expect(parseReference("http@sha256:abc")).toMatch(/digest/);
    expect(parseReference("a//b")).toMatch(/"" is not a name component/);
    expect(parseReference("")).toMatch(/is not a name component/);
  });
});

describe("gzip", () => {
  test("the same bytes compress to the same bytes, with a zero time and OS Unix in the header", () => {
    const input = bytes("x".repeat(10_000) + "y");
    const a = gzip(input);
    expect(gzip(input)).toEqual(a);
    expect([...a.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect([...a.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect(a[9]).toBe(3);
    expect(gunzip(a)).toEqual(input);
  });
});

describe("image", () => {
  test("the same inputs give the same digest; another image byte gives another", () => {
    const a = buildImage(spec());
    expect(buildImage(spec()).manifestDescriptor.digest).toBe(a.manifestDescriptor.digest);
    expect(imageArchive(buildImage(spec()), ref)).toEqual(imageArchive(a, ref));
    expect(buildImage(spec("image bytez")).manifestDescriptor.digest).not.toBe(a.manifestDescriptor.digest);
  });

  test("the config: entrypoint, ports, volumes, sorted labels, the layer's diff_id; files sorted in the layer", () => {
    const image = buildImage(spec());
    const config = JSON.parse(new TextDecoder().decode(image.config));
    expect(config.config.Entrypoint).toEqual(["/tessera-spt", "/hello.spt", "--"]);
    expect(config.config.Cmd).toBeUndefined();
    expect(config.config.ExposedPorts).toEqual({ "80/tcp": {} });
    expect(config.config.Volumes).toEqual({ "/data": {} });
    expect(Object.keys(config.config.Labels)).toEqual(["a.label", "b.label"]);
    expect(config.architecture).toBe("amd64");
    expect(config.os).toBe("linux");
    const layerTar = gunzip(image.layer);
    expect(config.rootfs.diff_ids).toEqual([sha256(layerTar)]);
    expect(untar(layerTar).map((e) => e.name)).toEqual(["data/", "hello.spt", "tessera-spt"]);
  });

  test("the archive: an OCI layout and docker's manifest.json naming the same blobs, each blob its digest", () => {
    const image = buildImage(spec());
    const entries = untar(imageArchive(image, ref));
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    const file = (name: string) => entries.find((e) => e.name === name)?.data as Uint8Array;
    const read = (name: string) => JSON.parse(new TextDecoder().decode(file(name)));
    for (const e of entries.filter((e) => e.name.startsWith("blobs/sha256/") && e.data))
      expect(sha256(e.data as Uint8Array)).toBe(`sha256:${e.name.slice("blobs/sha256/".length)}`);
    expect(read("oci-layout")).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = read("index.json");
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].digest).toBe(image.manifestDescriptor.digest);
    expect(index.manifests[0].annotations).toEqual({
      "io.containerd.image.name": "docker.io/tessera/hello:1",
      "org.opencontainers.image.ref.name": "1",
    });
    const manifest = read(blobPath(index.manifests[0].digest));
    const docker = read("manifest.json");
    expect(docker).toEqual([
      {
        Config: blobPath(manifest.config.digest),
        RepoTags: ["tessera/hello:1"],
        Layers: [blobPath(manifest.layers[0].digest)],
      },
    ]);
    expect(file(docker[0].Config)).toEqual(image.config);
    expect(file(docker[0].Layers[0]).length).toBe(manifest.layers[0].size);
  });
});
