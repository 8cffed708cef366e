/**
 * `tessera switch SWITCH`: runs a virtual Ethernet switch on this host that
 * unikernels join with `--net NAME=switch:SWITCH` (each `tessera run` is one
 * port) and, with `--tap IFNAME`, a Linux TAP device too. It runs in the
 * foreground until SIGINT or SIGTERM, then prints its counters (SIGUSR1
 * prints them too, and it goes on). `--loss`, `--reorder`, `--duplicate`,
 * `--delay` and `--seed` impair the frames it sends, reproducibly.
 *
 * @module
 */
import { TenderError, VirtualSwitch, type SwitchOptions, type SwitchStats } from "@tessera/node";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { CliError } from "../errors.js";

/** The command's usage. */
export const spec: CommandSpec = {
  name: "switch",
  usage:
    "tessera switch SWITCH [--tap IFNAME] [--loss P%] [--reorder P%] [--duplicate P%] [--delay TIME] [--seed N] [--quiet]",
  summary:
    "Run a virtual Ethernet switch that unikernels on this host join with --net NAME=switch:SWITCH, until interrupted.",
  positionals: ["SWITCH"],
  required: 1,
  options: {
    tap: {
      value: "IFNAME",
      help: "join the Linux TAP device IFNAME as a port, so Linux is a peer (needs root or CAP_NET_ADMIN)",
    },
    loss: { value: "P%", help: "lose this share of the frames sent, e.g. 3% (default 0%)" },
    reorder: { value: "P%", help: "hold this share of frames back behind the next frame to the same port, e.g. 25%" },
    duplicate: { value: "P%", help: "send this share of frames twice, e.g. 1%" },
    delay: { value: "TIME", help: "delay every frame sent by TIME, e.g. 1ms, 250us, 0.1s (at most 10s)" },
    seed: {
      value: "N",
      help: "seed of the impairment's random choices, 0 to 4294967295 (default: a random one, printed)",
    },
    quiet: { short: "q", help: "do not report ports joining and leaving" },
  },
  notes: [
    "Then, in other shells: tessera run IMAGE --net service=switch:SWITCH",
    "The switch is a learning switch: it floods broadcasts and unknown addresses, and sends the rest to one port.",
    "Its socket is $XDG_RUNTIME_DIR/tessera/switch/SWITCH.sock (or /tmp/tessera-UID/switch/SWITCH.sock);",
    "only this user's processes can join, and the switch itself needs no root.",
    "Impairment applies to each frame as it leaves the switch for a port. With the same seed and the same",
    "frames, the same frames are lost, duplicated and reordered. kill -USR1 prints the counters so far.",
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
  const impairment = impairmentOf(args.values);
  let sw: VirtualSwitch;
  try {
    sw = VirtualSwitch.open({
      name,
      tap: args.values.get("tap")?.[0],
      log: quiet ? undefined : (line) => process.stdout.write(`switch ${name}: ${line}\n`),
      impairment,
    });
  } catch (e) {
    if (e instanceof TenderError) throw new CliError(e.message);
    throw e;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const onUsr1 = () => process.stdout.write(`switch ${name}: ${counters(sw.stats())}\n`);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.on("SIGUSR1", onUsr1);
  process.stdout.write(`switch ${name}: listening on ${sw.path}\n`);
  const imp = sw.impairment;
  if (imp)
    process.stdout.write(
      `switch ${name}: impairment: loss ${pct(imp.loss)}, reorder ${pct(imp.reorder)}, ` +
        `duplicate ${pct(imp.duplicate)}, delay ${imp.delayMs}ms, seed ${imp.seed}\n`,
    );
  try {
    await sw.run(stop.signal);
  } finally {
    sw.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGUSR1", onUsr1);
  }
  process.stdout.write(`switch ${name}: stopped; ${counters(sw.stats())}\n`);
  return 0;
}

/** The counters in one line. */
function counters(s: SwitchStats): string {
  let line =
    `frames received ${s.received}, sent ${s.sent}, dropped (queue full) ${s.dropped}, ` +
    `unicast ${s.unicast}, flooded ${s.flooded}, filtered ${s.filtered}, bad ${s.bad}`;
  const i = s.impairment;
  if (i)
    line +=
      `; impairment: offered ${i.offered}, lost ${i.lost}, duplicated ${i.duplicated}, ` +
      `reordered ${i.reordered}, dropped (impairment queue full) ${i.overflowed}`;
  return line;
}

const pct = (fraction: number) => `${+(fraction * 100).toFixed(4)}%`;

/** The impairment options given, checked; undefined if none are. */
function impairmentOf(values: Map<string, string[]>): SwitchOptions["impairment"] {
  const one = (name: string) => values.get(name)?.at(-1);
  const given = ["loss", "reorder", "duplicate", "delay", "seed"].some((n) => one(n) !== undefined);
  if (!given) return undefined;
  const percent = (name: string): number => {
    const text = one(name);
    if (text === undefined) return 0;
    const m = /^(\d+(?:\.\d+)?)%$/.exec(text);
    if (!m || Number(m[1]) > 100)
      throw new CliError(`--${name} ${text}: give a percentage from 0% to 100%, such as 3% or 0.5%`, 2);
    return Number(m[1]) / 100;
  };
  const loss = percent("loss");
  const reorder = percent("reorder");
  const duplicate = percent("duplicate");
  let delayMs = 0;
  const delay = one("delay");
  if (delay !== undefined) {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s)$/.exec(delay);
    delayMs = m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as "us" | "ms" | "s"] : NaN;
    if (!(delayMs <= 10_000))
      throw new CliError(`--delay ${delay}: give a time from 0 to 10s with its unit, such as 1ms, 250us or 0.5s`, 2);
  }
  let seed = crypto.getRandomValues(new Uint32Array(1))[0];
  const seedText = one("seed");
  if (seedText !== undefined) {
    seed = /^\d{1,10}$/.test(seedText) ? Number(seedText) : NaN;
    if (!(seed <= 0xffff_ffff)) throw new CliError(`--seed ${seedText}: give a whole number from 0 to 4294967295`, 2);
  }
  return { loss, reorder, duplicate, delayMs, seed };
}
