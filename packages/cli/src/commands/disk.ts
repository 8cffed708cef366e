/**
 * `tessera disk create FILE SIZE` and `tessera disk inspect FILE`: the disk
 * files that `--block NAME=FILE` gives a guest.
 *
 * @module
 */
import { closeSync, existsSync, ftruncateSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import {
  BLOCK_SIZES,
  DEFAULT_BLOCK_SIZE,
  encodeLabel,
  LABEL_SIZE,
  lockHolder,
  MAX_CAPACITY,
  openDisk,
  parseSize,
  TenderError,
  type DiskLabel,
} from "@tessera/node";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { describeStore, inspectStore, type StoreInfo } from "../inspect/store.js";
import { CliError } from "../errors.js";

/** `tessera disk create`'s usage. */
export const createSpec: CommandSpec = {
  name: "disk create",
  usage: "tessera disk create FILE SIZE [--block-size BYTES]",
  summary:
    "Create a disk file for --block NAME=FILE: SIZE bytes of blocks (e.g. 64M, 1G; K, M, G, T are powers of 1024), all zero, followed by a 4 KiB label. The file is sparse: it takes room only as blocks are written.",
  positionals: ["FILE", "SIZE"],
  required: 2,
  options: {
    "block-size": {
      value: "BYTES",
      help: `the unit of every read and write: ${BLOCK_SIZES.join(", ")} (default ${DEFAULT_BLOCK_SIZE})`,
    },
  },
  notes: ["An existing file is never overwritten."],
};

/** `tessera disk inspect`'s usage. */
export const inspectSpec: CommandSpec = {
  name: "disk inspect",
  usage: "tessera disk inspect FILE [--json]",
  summary:
    "Show a disk file's label (capacity, block size, when it was made), the room it takes, and whether a tender has it open.",
  positionals: ["FILE"],
  required: 1,
  options: { json: { help: "print it as JSON" } },
};

function usage(): string {
  return [
    "usage: tessera disk <create|inspect> ...",
    "",
    "Disk files for block devices (tessera run IMAGE --block NAME=FILE).",
    "",
    "commands:",
    "  create FILE SIZE   create a disk file of SIZE bytes of blocks (e.g. 64M)",
    "  inspect FILE       show a disk file's label and state",
    "",
    "Run `tessera disk <command> --help` for its options.",
    "",
  ].join("\n");
}

export default async function disk(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(usage());
    return sub === undefined ? 2 : 0;
  }
  if (sub === "create") return create(rest);
  if (sub === "inspect") return inspect(rest);
  throw new CliError(`disk: unknown command "${sub}" (commands: create, inspect)`, 2);
}

// `8 MiB`, or bytes when not a whole number of KiB.
function mib(bytes: bigint): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (i < units.length - 1 && bytes >= 1024n && bytes % 1024n === 0n) {
    bytes /= 1024n;
    i++;
  }
  return `${bytes} ${units[i]}`;
}

function create(argv: string[]): number {
  const args = parseArgs(createSpec, argv);
  if (args.help) {
    process.stdout.write(helpText(createSpec));
    return 0;
  }
  const [file, sizeText] = args.positionals;
  const bsText = args.values.get("block-size")?.[0] ?? String(DEFAULT_BLOCK_SIZE);
  const blockSize = Number(bsText);
  if (!/^\d+$/.test(bsText) || !(BLOCK_SIZES as readonly number[]).includes(blockSize))
    throw new CliError(`disk create: --block-size ${bsText}: give one of ${BLOCK_SIZES.join(", ")}`, 2);
  const capacity = parseSize(sizeText);
  if (capacity === null)
    throw new CliError(`disk create: ${sizeText}: give a size such as 64M, 1G or 1048576 (bytes)`, 2);
  if (capacity < BigInt(blockSize) || capacity % BigInt(blockSize) !== 0n)
    throw new CliError(
      `disk create: ${sizeText}: give a whole number of ${blockSize}-byte blocks, at least one (e.g. 64M)`,
      2,
    );
  if (capacity > MAX_CAPACITY) throw new CliError(`disk create: ${sizeText}: at most 1T`, 2);
  if (existsSync(file)) throw new CliError(`${file}: already exists; remove it first or choose another name`);
  const label: DiskLabel = { blockSize, capacity, created: new Date(), id: randomBytes(16).toString("hex") };
  let fd: number;
  try {
    fd = openSync(file, "wx");
  } catch (e) {
    throw new CliError(`${file}: cannot create it: ${(e as Error).message}`);
  }
  try {
    ftruncateSync(fd, Number(capacity) + LABEL_SIZE);
    const bytes = encodeLabel(label);
    writeSync(fd, bytes, 0, bytes.length, Number(capacity));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  process.stdout.write(
    `tessera: created ${file}: ${mib(capacity)} in ${capacity / BigInt(blockSize)} blocks of ${blockSize} bytes\n`,
  );
  return 0;
}

function lockState(file: string): string {
  const holder = lockHolder(file);
  if (!holder) return "free";
  if (holder.alive) return `open in a tender (pid ${holder.pid})`;
  return `free (a stale lock of pid ${holder.pid}, which is gone, is taken over by the next tender)`;
}

function inspect(argv: string[]): number {
  const args = parseArgs(inspectSpec, argv);
  if (args.help) {
    process.stdout.write(helpText(inspectSpec));
    return 0;
  }
  const file = args.positionals[0];
  let opened: ReturnType<typeof openDisk>;
  try {
    opened = openDisk(file, file, "r");
  } catch (e) {
    if (e instanceof TenderError) throw new CliError(e.message);
    throw e;
  }
  const { fd, label, stat } = opened;
  const size = stat.size;
  const allocated = stat.blocks * 512n;
  let store: StoreInfo | null;
  try {
    const read = (offset: number, length: number): Uint8Array => {
      const b = new Uint8Array(length);
      readSync(fd, b, 0, length, offset);
      return b;
    };
    store = inspectStore(read, label.blockSize, Number(label.capacity));
  } finally {
    closeSync(fd);
  }
  const lock = lockState(file);
  if (args.flags.has("json")) {
    const out = {
      file,
      blockSize: label.blockSize,
      capacity: Number(label.capacity),
      blocks: Number(label.capacity / BigInt(label.blockSize)),
      created: label.created.toISOString(),
      id: label.id,
      fileBytes: Number(size),
      allocatedBytes: Number(allocated),
      lock,
      store,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return 0;
  }
  process.stdout.write(
    [
      `${file}: a Tessera disk`,
      `  capacity   ${mib(label.capacity)} (${label.capacity} bytes): ${label.capacity / BigInt(label.blockSize)} blocks of ${label.blockSize} bytes`,
      `  created    ${label.created.toISOString()}`,
      `  id         ${label.id}`,
      `  on disk    ${allocated} bytes allocated of ${size} (the file is sparse; the last ${LABEL_SIZE} are the label)`,
      `  state      ${lock}`,
      `  contents   ${describeStore(store!)}`,
      "",
    ].join("\n"),
  );
  return 0;
}
