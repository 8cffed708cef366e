/**
 * `tessera inspect IMAGE`: what an image is made of.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { ImageError, isArm64Image, isElf, parseImage, parseNames } from "@tessera/image";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { CliError } from "../errors.js";
import { formatNativeReport, nativeReport } from "../inspect/native.js";
import { buildReport, formatReport, type Report } from "../inspect/report.js";
import { readNative } from "./run-native.js";

/** The command's usage. */
export const spec: CommandSpec = {
  name: "inspect",
  usage: "tessera inspect IMAGE [--json] [--top N]",
  summary:
    "Show an image's ABI version, devices, imports and exports, and its size by section, package and function (a native .spt or .hvt image: by segment, package and function).",
  positionals: ["IMAGE"],
  required: 1,
  options: {
    json: { help: "print the report as JSON" },
    top: { value: "N", help: "functions to list (default 15)" },
  },
};

export default async function inspect(argv: string[]): Promise<number> {
  const args = parseArgs(spec, argv);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const file = args.positionals[0];
  const topText = args.values.get("top")?.[0] ?? "15";
  if (!/^\d+$/.test(topText)) throw new CliError(`--top ${topText}: give a whole number`, 2);
  if (!existsSync(file)) throw new CliError(`${file}: file not found (build one with: tessera build APP -o DIR)`);
  const bytes = new Uint8Array(readFileSync(file));
  if (isElf(bytes) || isArm64Image(bytes)) {
    const appName = file.replace(/^.*\//, "").replace(/\.(spt|hvt|virtio-x86_64|virtio-aarch64|spt-aarch64|rpi)$/, "");
    let image = readNative(file, bytes);
    // A virtio-aarch64 image is a flat Image: its ELF beside it has the segments and every symbol.
    if (isArm64Image(bytes) && existsSync(`${file}.elf`)) {
      const elf = readNative(`${file}.elf`, new Uint8Array(readFileSync(`${file}.elf`)));
      image = { ...image, segments: elf.segments, functions: elf.functions };
    }
    const report = nativeReport(file, bytes.length, image, appName);
    process.stdout.write(
      args.flags.has("json") ? JSON.stringify(report, null, 2) + "\n" : formatNativeReport(report, Number(topText)),
    );
    return 0;
  }
  let image;
  try {
    image = parseImage(bytes);
  } catch (e) {
    if (e instanceof ImageError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
  let names = image.functionNames;
  let from: Report["names"] = names.size ? "image" : "none";
  if (!names.size && existsSync(`${file}.names`)) {
    try {
      names = parseNames(new Uint8Array(readFileSync(`${file}.names`)));
      from = "sidecar";
    } catch (e) {
      if (!(e instanceof ImageError)) throw e;
      process.stderr.write(`tessera: ${file}.names: ${e.message}; showing no names\n`);
    }
  }
  const report = buildReport(file, bytes, image, names, from);
  process.stdout.write(
    args.flags.has("json") ? JSON.stringify(report, null, 2) + "\n" : formatReport(report, Number(topText)),
  );
  return 0;
}
