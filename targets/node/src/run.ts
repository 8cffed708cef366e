// runImage / runFile: check, cap, instantiate and run an image on the calling thread.
import { readFileSync } from "node:fs";
import { checkImage, ImageError, parseImage, parseNames, type Image, type Manifest } from "@tessera/image";
import { checkDevices, DeviceTable } from "./devices.js";
import { newDoorbell } from "./doorbell.js";
import { ExitSignal, TenderError } from "./errors.js";
import { createImports, type HostEnv } from "./host.js";
import type { ConsoleInput } from "./input.js";
import { capMemory } from "./memory.js";
import type { RunOptions, RunResult, Timings } from "./options.js";
import { sink } from "./output.js";
import { formatTrap, isTrap } from "./trap.js";
import { Disk } from "./block/disk.js";
import type { NetDevice } from "./net/device.js";
import { closeNet, openNet } from "./net/backend.js";
import { NetIo } from "./net/io.js";
import { applyPublish, parsePublish } from "./net/publish.js";
import { describeListening, isUser, UserNet } from "./net/user.js";

function load(bytes: Uint8Array): { image: Image; manifest: Manifest } {
  try {
    const image = parseImage(bytes);
    return { image, manifest: checkImage(image) };
  } catch (e) {
    if (e instanceof ImageError) throw new TenderError(e.message);
    throw e;
  }
}

function compile(bytes: Uint8Array): WebAssembly.Module {
  try {
    return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new TenderError(`the image is not valid WebAssembly: ${(e as Error).message}`);
  }
}

function namesOf(image: Image, extra?: Map<number, string>): Map<number, string> {
  const names = new Map(extra ?? []);
  for (const [i, n] of image.functionNames) names.set(i, n);
  return names;
}

/**
 * Run an image to completion on the calling thread and resolve with its exit
 * status. Throws a TenderError, before the guest starts, if the image or the
 * options are unacceptable. Panics and traps are reported on stderr (status 255).
 */
export async function runImage(bytes: Uint8Array, opts: RunOptions = {}): Promise<RunResult> {
  const started = process.hrtime.bigint();
  const { image, manifest } = load(bytes);
  const publish = (opts.publish ?? []).map(parsePublish);
  const { net: netSpecs, device: publishOn } = applyPublish(manifest, opts.net ?? {}, publish);
  checkDevices(manifest, netSpecs, opts.block ?? {});
  const capped = capMemory(bytes, image, opts.memMiB ?? 64);
  const module = compile(capped.bytes);
  const timings: Timings = { started, compiled: process.hrtime.bigint(), instantiated: 0n, ended: 0n };
  const imported = new Set(image.imports.map((i) => i.name));
  const doorbell = newDoorbell();
  const stderr = sink(2, opts.stderr);
  let input: ConsoleInput | null = null;
  const net = new Map<string, NetDevice>();
  const disks = new Map<string, Disk>();
  let netIo: NetIo | null = null;
  const users: UserNet[] = [];
  try {
    const report = (message: string) => stderr(new TextEncoder().encode(message + "\n"));
    for (const [name, file] of Object.entries(opts.block ?? {})) disks.set(name, Disk.open(name, file, report));
    for (const [name, spec] of Object.entries(netSpecs)) net.set(name, openNet(name, spec));
    const polled = [...net.values()].filter((d) => !isUser(d));
    if (polled.length) netIo = await NetIo.start(polled, doorbell);
    for (const d of net.values()) {
      if (!isUser(d)) continue;
      const user = await UserNet.start(d, d.name === publishOn ? publish : [], doorbell, opts.publishWaitMs, {
        hostsFile: opts.hostsFile,
        resolvConf: opts.resolvConf,
      });
      users.push(user);
      for (const l of user.listening) stderr(new TextEncoder().encode(`tessera: ${describeListening(l)}\n`));
    }
    if (imported.has("console_read")) input = await (await import("./open-input.js")).openInput(opts.stdin, doorbell);
    const randomFill = imported.has("entropy") ? (await import("node:crypto")).randomFillSync : null;
    let memory: WebAssembly.Memory | null = null;
    const env: HostEnv = {
      memory: () => memory ?? new WebAssembly.Memory({ initial: 0 }),
      memoryLimit: capped.limit,
      cmdline: new TextEncoder().encode(opts.cmdline ?? ""),
      stdout: sink(1, opts.stdout),
      stderr,
      input,
      devices: new DeviceTable(manifest, net, disks),
      doorbell,
      randomFill,
    };
    let status: number;
    try {
      const instance = new WebAssembly.Instance(module, { tessera: createImports(env) });
      memory = instance.exports.memory as WebAssembly.Memory;
      timings.instantiated = process.hrtime.bigint();
      (instance.exports._start as () => void)();
      status = 0;
    } catch (e) {
      if (e instanceof ExitSignal) status = e.status;
      else if (!isTrap(e)) throw e;
      else {
        stderr(new TextEncoder().encode(formatTrap(e, namesOf(image, opts.names)) + "\n"));
        status = 255;
      }
    }
    timings.ended = process.hrtime.bigint();
    return { status, timings };
  } finally {
    input?.close();
    await netIo?.stop();
    for (const u of users) await u.stop();
    for (const d of net.values()) closeNet(d);
    for (const d of disks.values()) d.close();
  }
}

/**
 * Read an image file (and its `<path>.names` sidecar, if any) and run it.
 * A missing or unreadable file is a TenderError (`hello.wasm: file not found`).
 */
export async function runFile(path: string, opts: RunOptions = {}): Promise<RunResult> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new TenderError(`${path}: ${why}`);
  }
  let names = opts.names;
  if (!names) {
    try {
      names = parseNames(readFileSync(`${path}.names`));
    } catch {
      // No sidecar (or a bad one): names are only for trap reports.
    }
  }
  return runImage(bytes, { ...opts, names });
}
