import { parseArgs } from "node:util";
import { parseDurationMs } from "../contract/duration.js";
import { COMMANDS, GLOBAL_OPTIONS, isCommandName, type CommandName, type OptionName } from "./command-specs.js";
import { UsageError } from "./errors.js";

export type OutputFormat = "table" | "json" | "yaml";

export interface CliOptions {
  server?: string;
  token?: string;
  output: OutputFormat;
  mesh: string;
  files: string[];
  dryRun: boolean;
  wait: boolean;
  /** `proxies --all`: disconnected proxies too. */
  all: boolean;
  /** `status --trace`: the revision's per-hop trace as a waterfall. */
  trace: boolean;
  /** `--version`: print the CLI's version and exit. */
  version: boolean;
  /** The config source to write as (`apply`, `delete`). */
  source?: string;
  prune: boolean;
  force: boolean;
  cascade: boolean;
  /** `token create|bootstrap`. */
  subject?: string;
  role?: string;
  meshes?: string[];
  sources?: string[];
  ttlSeconds?: number;
  secretFile?: string;
  /** `workload-token create`. */
  service?: string;
  zone?: string;
  /** `login`: where the token is ("-": stdin). */
  tokenFile?: string;
  timeoutMs: number;
  from?: number;
  to?: number;
  bridge?: string;
  help: boolean;
}

export interface CommandLine {
  /** Undefined when no command was given. */
  command: CommandName | undefined;
  /** Positional arguments after the command. */
  args: string[];
  options: CliOptions;
  /** Options the user wrote, as opposed to defaults. */
  given: ReadonlySet<OptionName>;
}

export const DEFAULT_MESH = "default";
export const DEFAULT_TIMEOUT_MS = 60_000;

const PARSE_OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  output: { type: "string", short: "o" },
  mesh: { type: "string", short: "m" },
  filename: { type: "string", short: "f", multiple: true },
  "dry-run": { type: "boolean" },
  wait: { type: "boolean" },
  timeout: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  bridge: { type: "string" },
  all: { type: "boolean" },
  trace: { type: "boolean" },
  version: { type: "boolean" },
  source: { type: "string" },
  prune: { type: "boolean" },
  force: { type: "boolean" },
  cascade: { type: "boolean" },
  subject: { type: "string" },
  role: { type: "string" },
  meshes: { type: "string" },
  sources: { type: "string" },
  ttl: { type: "string" },
  "secret-file": { type: "string" },
  "token-file": { type: "string" },
  service: { type: "string" },
  zone: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<OptionName, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/**
 * Parses the command line and checks it against the command's spec: known
 * options only, options that apply to the command, required options present,
 * the right number of arguments. Every mistake is a UsageError (exit 2).
 *
 * @example
 * parseCommandLine(["get", "svc", "-m", "prod", "-o", "json"])
 * // {command: "get", args: ["svc"], options: {mesh: "prod", output: "json", ...}, given: Set{"mesh", "output"}}
 */
export function parseCommandLine(argv: string[]): CommandLine {
  const parsed = rawParse(argv);
  const v = parsed.values;
  const [word, ...args] = parsed.positionals;
  if (word !== undefined && !isCommandName(word)) throw new UsageError(`unknown command "${word}"`);
  const given = new Set(Object.keys(v) as OptionName[]);

  const options: CliOptions = {
    output: readOutput(v.output, word),
    mesh: v.mesh ?? DEFAULT_MESH,
    files: v.filename ?? [],
    dryRun: v["dry-run"] ?? false,
    wait: v.wait ?? false,
    all: v.all ?? false,
    trace: v.trace ?? false,
    version: v.version ?? false,
    prune: v.prune ?? false,
    force: v.force ?? false,
    cascade: v.cascade ?? false,
    timeoutMs: v.timeout === undefined ? DEFAULT_TIMEOUT_MS : readTimeout(v.timeout, word),
    help: v.help ?? false,
  };
  if (v.server !== undefined) options.server = v.server;
  if (v.token !== undefined) options.token = v.token;
  if (v.bridge !== undefined) options.bridge = v.bridge;
  if (v.from !== undefined) options.from = readRevision(v.from, "from", word);
  if (v.to !== undefined) options.to = readRevision(v.to, "to", word);
  if (v.source !== undefined) options.source = v.source;
  if (v.subject !== undefined) options.subject = v.subject;
  if (v.role !== undefined) options.role = v.role;
  if (v.meshes !== undefined) options.meshes = list(v.meshes);
  if (v.sources !== undefined) options.sources = list(v.sources);
  if (v.ttl !== undefined) options.ttlSeconds = Math.round(readDuration(v.ttl, "--ttl", word) / 1000);
  if (v["secret-file"] !== undefined) options.secretFile = v["secret-file"];
  if (v["token-file"] !== undefined) options.tokenFile = v["token-file"];
  if (v.service !== undefined) options.service = v.service;
  if (v.zone !== undefined) options.zone = v.zone;

  const line: CommandLine = { command: word, args, options, given };
  // With --help, the user asks how to write the rest: do not judge it.
  if (word !== undefined && !options.help) checkAgainstSpec(line, word);
  return line;
}

function rawParse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util names the option and what is wrong with it; that is the message.
    throw new UsageError(err instanceof Error ? err.message : String(err), commandWord(argv));
  }
}

function checkAgainstSpec(line: CommandLine, command: CommandName): void {
  const spec = COMMANDS[command];
  for (const name of line.given) {
    if (!GLOBAL_OPTIONS.includes(name) && !spec.options.includes(name)) {
      throw new UsageError(`--${name} does not apply to ${command}`, command);
    }
  }
  for (const name of spec.required ?? []) {
    if (!line.given.has(name)) throw new UsageError(`${command} needs --${name}`, command);
  }
  if (line.args.length < spec.minArgs) throw new UsageError(`${command} needs more arguments`, command);
  if (line.args.length > spec.maxArgs) throw new UsageError(`${command} takes at most ${spec.maxArgs} argument(s), got "${line.args.join(" ")}"`, command);
  if (line.given.has("timeout") && !line.options.wait) throw new UsageError("--timeout applies with --wait", command);
  if (line.options.wait && line.options.dryRun) throw new UsageError("--wait and --dry-run exclude each other: a dry run writes nothing", command);
  if (line.options.prune && line.options.source === undefined) throw new UsageError("--prune needs --source: the source whose resources the files are", command);
}

function readOutput(raw: string | undefined, command: string | undefined): OutputFormat {
  if (raw === undefined) return "table";
  if (raw === "table" || raw === "json" || raw === "yaml") return raw;
  throw new UsageError(`-o takes table, json or yaml, not "${raw}"`, command);
}

/** "60s", "1m30s", "500ms", or a bare number of seconds. */
function readTimeout(raw: string, command: string | undefined): number {
  return readDuration(raw, "--timeout", command);
}

function readDuration(raw: string, flag: string, command: string | undefined): number {
  const ms = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : parseDurationMs(raw);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} takes a duration such as 60s, 2m or 500ms, not "${raw}"`, command);
  return ms;
}

/** A comma-separated flag value. */
function list(raw: string): string[] {
  return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function readRevision(raw: string, name: string, command: string | undefined): number {
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1)) throw new UsageError(`--${name} takes a revision number (see \`edgeplane history\`), not "${raw}"`, command);
  return n;
}

/** The command word of an argv that did not parse, so the right usage is printed. */
function commandWord(argv: string[]): string | undefined {
  return argv.find((a) => isCommandName(a));
}
