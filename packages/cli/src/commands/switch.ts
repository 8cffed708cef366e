/**
 * `tessera switch SWITCH`: runs a virtual Ethernet switch on this host that
 * unikernels join with `--net NAME=switch:SWITCH` (each `tessera run` is one
 * port) and, with `--tap IFNAME`, a Linux TAP device too. It runs in the
 * foreground until SIGINT or SIGTERM, then prints its counters.
 *
 * @module
 */
import { TenderError, VirtualSwitch } from "@tessera/node";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { CliError } from "../errors.js";

/** The command's usage. */
export const spec: CommandSpec = {
  name: "switch",
  usage: "tessera switch SWITCH [--tap IFNAME] [--quiet]",
  summary:
    "Run a virtual Ethernet switch that unikernels on this host join with --net NAME=switch:SWITCH, until interrupted.",
  positionals: ["SWITCH"],
  required: 1,
  options: {
    tap: {
      value: "IFNAME",
      help: "join the Linux TAP device IFNAME as a port, so Linux is a peer (needs root or CAP_NET_ADMIN)",
    },
    quiet: { short: "q", help: "do not report ports joining and leaving" },
  },
  notes: [
    "Then, in other shells: tessera run IMAGE --net service=switch:SWITCH",
    "The switch is a learning switch: it floods broadcasts and unknown addresses, and sends the rest to one port.",
    "Its socket is $XDG_RUNTIME_DIR/tessera/switch/SWITCH.sock (or /tmp/tessera-UID/switch/SWITCH.sock);",
    "only this user's processes can join, and the switch itself needs no root.",
  ],
};

export default async function runSwitch(argv: string[]): Promise<number> {
  const args = parseArgs(spec, argv);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const name = args.positionals[0];
  const quiet = args.flags.has("quiet");
  let sw: VirtualSwitch;
  try {
    sw = VirtualSwitch.open({
      name,
      tap: args.values.get("tap")?.[0],
      log: quiet ? undefined : (line) => process.stdout.write(`switch ${name}: ${line}\n`),
    });
  } catch (e) {
    if (e instanceof TenderError) throw new CliError(e.message);
    throw e;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.stdout.write(`switch ${name}: listening on ${sw.path}\n`);
  try {
    await sw.run(stop.signal);
  } finally {
    sw.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const s = sw.stats();
  process.stdout.write(
    `switch ${name}: stopped; frames received ${s.received}, sent ${s.sent}, dropped (queue full) ${s.dropped}, ` +
      `unicast ${s.unicast}, flooded ${s.flooded}, filtered ${s.filtered}, bad ${s.bad}\n`,
  );
  return 0;
}
