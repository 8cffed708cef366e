/**
 * A small command-line parser: options declared per command, `--opt value`
 * and `--opt=value`, repeated options, and everything after `--` kept apart.
 *
 * @module
 */
import { CliError } from "./errors.js";

/** How one option is written and read. */
export interface OptionSpec {
  /** Takes a value (`--mem 8`); otherwise a flag (`--json`). */
  value?: string;
  /** May be given more than once; values are collected in order. */
  repeat?: boolean;
  /** One-letter alias, without the dash. */
  short?: string;
  /** One line for `--help`. */
  help: string;
}

/** A command's usage: what `--help` prints and what the parser accepts. */
export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments: their names, in order; how many are required. */
  positionals: string[];
  required: number;
  /** Whether `-- ARGS...` is accepted. */
  rest?: string;
  /** Lines after the options in `--help`. */
  notes?: string[];
}

/** What the parser found. */
export interface Parsed {
  positionals: string[];
  flags: Set<string>;
  values: Map<string, string[]>;
  rest: string[];
  help: boolean;
}

/** Parses `argv` (after the command name) against `spec`; throws CliError (status 2) on bad usage. */
export function parseArgs(spec: CommandSpec, argv: string[]): Parsed {
  const out: Parsed = { positionals: [], flags: new Set(), values: new Map(), rest: [], help: false };
  const bad = (msg: string) => new CliError(`${spec.name}: ${msg} (see: tessera ${spec.name} --help)`, 2);
  const byShort = new Map(Object.entries(spec.options).flatMap(([k, o]) => (o.short ? [[o.short, k]] : [])));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      if (!spec.rest) throw bad("this command takes no arguments after --");
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a === "--help" || a === "-h") {
      out.help = true;
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      let name: string;
      let inline: string | undefined;
      if (a.startsWith("--")) {
        const eq = a.indexOf("=");
        name = eq < 0 ? a.slice(2) : a.slice(2, eq);
        inline = eq < 0 ? undefined : a.slice(eq + 1);
      } else {
        const long = byShort.get(a.slice(1));
        if (!long) throw bad(`unknown option ${a}`);
        name = long;
      }
      const opt = spec.options[name];
      if (!opt) throw bad(`unknown option --${name}`);
      if (!opt.value) {
        if (inline !== undefined) throw bad(`--${name} takes no value`);
        out.flags.add(name);
        continue;
      }
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("--")))
        throw bad(`--${name} needs a value: ${opt.value}`);
      const list = out.values.get(name) ?? [];
      if (list.length && !opt.repeat) throw bad(`--${name} given twice`);
      list.push(v);
      out.values.set(name, list);
      continue;
    }
    out.positionals.push(a);
  }
  if (out.help) return out;
  if (out.positionals.length < spec.required) throw bad(`missing ${spec.positionals[out.positionals.length]}`);
  if (out.positionals.length > spec.positionals.length)
    throw bad(`unexpected argument ${JSON.stringify(out.positionals[spec.positionals.length])}`);
  return out;
}

/** The `--help` text of a command. */
export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, "", spec.summary, ""];
  const opts = Object.entries(spec.options);
  if (opts.length) {
    lines.push("options:");
    const cols = opts.map(([k, o]) => `${o.short ? `-${o.short}, ` : ""}--${k}${o.value ? ` ${o.value}` : ""}`);
    const w = Math.max(...cols.map((c) => c.length), 10);
    opts.forEach(([, o], i) => lines.push(`  ${cols[i].padEnd(w)}  ${o.help}`));
    lines.push(`  ${"-h, --help".padEnd(w)}  show this help`);
  }
  if (spec.notes) lines.push("", ...spec.notes);
  return lines.join("\n") + "\n";
}
