/**
 * `tessera package IMAGE -t NAME:TAG`: a native image as a container image
 * FROM scratch (the static tessera-spt, the image, an entrypoint that runs
 * one on the other), written as one tar that docker load, podman load, ctr
 * images import and skopeo (oci-archive:) read, or loaded into docker or
 * podman at once. The same inputs give the same bytes.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { ImageError, isElf, parseNativeImage, type NativeImage } from "@tessera/image";
import { buildImage, imageArchive, parseReference } from "@tessera/oci";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { CliError } from "../errors.js";
import { imageSpec } from "../package/contents.js";
import { packageSettings } from "../package/settings.js";
import { tenderPath } from "./run-native.js";
import { commandPackage } from "../build/packages.js";

export const spec: CommandSpec = {
  name: "package",
  usage:
    "tessera package IMAGE -t NAME:TAG [-o FILE | --load docker|podman] [--port PORT]... [--disk NAME=SIZE]... [--app DIR]",
  summary:
    "Make a container image of a native image (tessera build APP --target spt): FROM scratch, the static tessera-spt and the image, run as `docker run NAME:TAG [CMDLINE...]`. The words after the image name in docker run are the guest's command line. The same inputs give the same image digest.",
  positionals: ["IMAGE"],
  required: 1,
  options: {
    tag: { value: "NAME:TAG", short: "t", help: "the image's name, e.g. tessera/http:1 (required)" },
    output: { value: "FILE", short: "o", help: "write the image archive here (default: IMAGE with .tar)" },
    load: { value: "ENGINE", help: "load it into docker or podman instead of writing a file" },
    port: {
      value: "PORT",
      repeat: true,
      help: "a TCP port the image serves (ExposedPorts), e.g. 80; besides those its app's package.json lists in tessera.ports",
    },
    disk: {
      value: "NAME=SIZE",
      repeat: true,
      help: "the size of block device NAME's disk, e.g. storage=64M (over the app's tessera.disks)",
    },
    app: {
      value: "DIR",
      help: "also read ports and disks from DIR/package.json (default: a package.json beside IMAGE named like it)",
    },
  },
  notes: [
    "The ports and disks of the app's package.json (tessera.ports, tessera.disks) are in the image: tessera build",
    "records them. A disk is the file /data/NAME.img on the image's /data volume, created at its size when missing.",
    "The archive holds an OCI image layout and docker's manifest.json: docker load -i FILE, podman load -i FILE,",
    "ctr images import FILE and skopeo inspect oci-archive:FILE all read it. See docs/containers.md.",
  ],
};

const say = (line: string) => process.stderr.write(`tessera: ${line}\n`);
const BUILD_HINT = "build one with: tessera build APP --target spt";

/** Reads `file` as a native spt image; throws a CliError that says what it is instead. */
function readImage(file: string): { bytes: Uint8Array; image: NativeImage } {
  if (!existsSync(file)) throw new CliError(`package: ${file}: file not found (${BUILD_HINT})`);
  if (statSync(file).isDirectory())
    throw new CliError(`package: ${file}: is a directory; give a native image file (${BUILD_HINT})`);
  const bytes = new Uint8Array(readFileSync(file));
  const wasm = bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (wasm || extname(file) === ".wasm")
    throw new CliError(
      `package: ${file} is a WebAssembly image; containers run native images (build one with: tessera build APP --target spt)`,
    );
  if (!isElf(bytes))
    throw new CliError(`package: ${file}: not a Tessera native image (not an ELF file; ${BUILD_HINT})`);
  let image: NativeImage;
  try {
    image = parseNativeImage(bytes);
  } catch (e) {
    if (e instanceof ImageError)
      throw new CliError(`package: ${file}: not a Tessera native image (${e.message}; ${BUILD_HINT})`);
    throw e;
  }
  if (image.target !== "spt")
    throw new CliError(
      `package: ${file} is a tessera-${image.target} image; containers run spt images (${BUILD_HINT})`,
    );
  return { bytes, image };
}

/** The static tessera-spt that goes into images, beside the tender `tessera run` uses. */
function staticTender(): Uint8Array {
  const path = join(dirname(tenderPath("spt")), "tessera-spt-static");
  if (!existsSync(path))
    throw new CliError(
      `${path} is not built: the static tender is compiled with gcc by npm run build (install gcc and glibc's static library, libc6-dev, then run: npm run build)`,
    );
  return new Uint8Array(readFileSync(path));
}

/** Pipes `archive` into `ENGINE load`; resolves to its exit status. */
function load(engine: string, archive: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(engine, ["load"], { stdio: ["pipe", "inherit", "inherit"] });
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "ENOENT"
          ? new CliError(`package: --load ${engine}: no ${engine} command (install it, or write a file with -o FILE)`)
          : e,
      ),
    );
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal ? 15 : 0)));
    child.stdin.on("error", () => {}); // it exited early: its status says why
    child.stdin.end(archive);
  });
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export default async function packageCommand(argv: string[]): Promise<number> {
  const args = parseArgs(spec, argv);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const tagText = args.values.get("tag")?.[0];
  if (tagText === undefined)
    throw new CliError(`package: give the image's name with -t NAME:TAG, e.g. -t tessera/http:1`, 2);
  const ref = parseReference(tagText);
  if (typeof ref === "string") throw new CliError(`package: -t ${tagText}: ${ref} (e.g. -t tessera/http:1)`, 2);
  const engine = args.values.get("load")?.[0];
  if (engine !== undefined && engine !== "docker" && engine !== "podman")
    throw new CliError(`package: --load ${engine}: give docker or podman`, 2);
  const output = args.values.get("output")?.[0];
  if (engine !== undefined && output !== undefined)
    throw new CliError(`package: give -o FILE or --load ${engine}, not both`, 2);
  const file = args.positionals[0];
  const { bytes, image } = readImage(file);
  const settings = packageSettings(
    file,
    args.values.get("app")?.[0],
    args.values.get("port") ?? [],
    args.values.get("disk") ?? [],
    image.manifest,
  );
  const name = basename(file, extname(file));
  const tender = staticTender();
  const { spec: imageContents, notes } = imageSpec({
    file,
    name,
    image,
    bytes,
    tender,
    settings,
    version: commandPackage().version,
  });
  const devices = image.manifest.devices.map((d) => `${d.kind} ${d.name}`).join(", ") || "none";
  say(`packaging ${file} (spt, ABI v${image.abiVersion}, devices: ${devices}) as ${ref.name}:${ref.tag}`);
  if (settings.from) say(`ports and disks from ${settings.from}`);
  for (const n of notes) say(n);
  const built = buildImage(imageContents);
  say(
    `layer: tessera-spt ${kib(tender.length)}, ${name}.spt ${kib(bytes.length)}: ${kib(built.layerTarSize)} of tar, ${kib(built.layer.length)} gzip-compressed`,
  );
  const config = JSON.parse(new TextDecoder().decode(built.config)) as { config: { Entrypoint: string[] } };
  say(`entrypoint: ${config.config.Entrypoint.join(" ")}`);
  const archive = imageArchive(built, ref);
  const digest = built.manifestDescriptor.digest;
  if (engine !== undefined) {
    say(`loading it into ${engine} (${engine} load)`);
    const status = await load(engine, archive);
    if (status !== 0) throw new CliError(`package: ${engine} load failed (exit status ${status}; see above)`);
    say(`loaded ${ref.name}:${ref.tag} (image ${digest}): run it with: ${engine} run --rm ${ref.name}:${ref.tag}`);
    return 0;
  }
  const out = output ?? join(dirname(file), `${name}.tar`);
  try {
    writeFileSync(out, archive);
  } catch (e) {
    throw new CliError(`package: ${out}: cannot write it: ${(e as Error).message}`);
  }
  say(`wrote ${out} (${archive.length} bytes; image ${digest})`);
  say(`load it with: docker load -i ${out} (or podman load -i, ctr images import, skopeo ... oci-archive:${out})`);
  return 0;
}
