/**
 * `tessera run IMAGE`: boots an image on the tender that fits it (only the
 * Node.js tender so far).
 *
 * @module
 */
import { CMDLINE_MAX } from "@tessera/abi";
import { runFile, TenderError } from "@tessera/node";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { CliError } from "../errors.js";
import { parseDevices, parseMem, parsePublishes } from "./run-options.js";

/** The command's usage. */
export const spec: CommandSpec = {
  name: "run",
  usage:
    "tessera run IMAGE [--mem MiB] [--net NAME=BACKEND]... [--publish [ADDR:]HOSTPORT:GUESTPORT]... [--block NAME=FILE]... [-- CMDLINE...]",
  summary: "Boot a unikernel image. Its exit status becomes this command's exit status.",
  positionals: ["IMAGE"],
  required: 1,
  rest: "CMDLINE",
  options: {
    mem: { value: "MiB", help: "memory the guest may use, in MiB (default 64)" },
    net: {
      value: "NAME=BACKEND",
      repeat: true,
      help: "give the image its net device NAME: tap:IFNAME (a Linux TAP device), switch:SWITCH (see tessera switch) or user (user-mode networking: no root, a gateway in the tender; the guest gets 10.0.2.15 by DHCP)",
    },
    publish: {
      value: "[ADDR:]HOSTPORT:GUESTPORT",
      repeat: true,
      help: "listen on ADDR:HOSTPORT (ADDR default 127.0.0.1; HOSTPORT 0: any free port) and connect each host TCP connection to the guest's GUESTPORT, with user-mode networking (implies --net NAME=user for an image with one net device)",
    },
    block: { value: "NAME=FILE", repeat: true, help: "give the image its block device NAME, backed by FILE (not yet)" },
  },
  notes: [
    "Words after -- form the image's command line, e.g. `tessera run hello.wasm -- name=x`.",
    "Every device in the image's manifest must be given; see them with `tessera inspect IMAGE`.",
    "With --publish, e.g. `tessera run http.wasm --publish 8080:80`, leave ip= off the command line: the guest gets its address by DHCP.",
    "A trap or panic in the guest exits with status 255.",
  ],
};

export default async function run(argv: string[]): Promise<number> {
  const args = parseArgs(spec, argv);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const cmdline = args.rest.join(" ");
  if (Buffer.byteLength(cmdline) > CMDLINE_MAX)
    throw new CliError(
      `the command line is ${Buffer.byteLength(cmdline)} bytes; images accept at most ${CMDLINE_MAX}`,
      2,
    );
  const memMiB = parseMem(args.values.get("mem")?.[0]);
  const net = parseDevices("net", args.values.get("net") ?? []);
  const block = parseDevices("block", args.values.get("block") ?? []);
  const publish = parsePublishes(args.values.get("publish") ?? []);
  try {
    const { status } = await runFile(args.positionals[0], { cmdline, memMiB, net, block, publish });
    return status;
  } catch (e) {
    if (e instanceof TenderError) throw new CliError(e.message);
    throw e;
  }
}
