import { COMMAND_NAMES, COMMANDS, GLOBAL_OPTIONS, OPTION_NAMES, type CommandName, type OptionName } from "./command-specs.js";
import { kindWords } from "./kinds.js";

const OPTION_HELP: Readonly<Record<OptionName, [string, string]>> = {
  filename: ["-f, --filename PATH", "a file, a directory (its *.yaml, *.yml, *.json in name order) or - for stdin; repeatable"],
  mesh: ["-m, --mesh MESH", 'the mesh of mesh-scoped resources (default "default")'],
  "dry-run": ["--dry-run", "print the plan, write nothing"],
  wait: ["--wait", "after writing, wait until every proxy concerned ACKed; exit 1 on a NACK or at the timeout"],
  timeout: ["--timeout DURATION", "with --wait: 60s by default (also 500ms, 2m, 1m30s)"],
  from: ["--from REV", "the older revision"],
  to: ["--to REV", "diff: the newer revision (default: the newest); rollback: the revision to restore"],
  bridge: ["--bridge URL", "the bridge's admin URL"],
  version: ["--version", "print the version and exit"],
  source: ["--source NAME", "the config source to write as (default: the token's subject)"],
  prune: ["--prune", "apply: also delete what the source owns and the files no longer hold (needs --source)"],
  force: ["--force", "take over resources another source owns"],
  cascade: ["--cascade", "delete: also delete what still names the resource"],
  subject: ["--subject S", "token: who uses it (recorded as `by` in history)"],
  role: ["--role ROLE", "token create: reader, writer or admin"],
  meshes: ["--meshes LIST", 'token create: comma-separated meshes, or "*" (default: default)'],
  sources: ["--sources LIST", "token create: config sources a writer may write as besides its subject"],
  ttl: ["--ttl DURATION", "token: how long it lives (720h, 15m, or seconds)"],
  "secret-file": ["--secret-file FILE", "token bootstrap: the file holding the Worker's API_TOKEN_SECRET"],
  "token-file": ["--token-file FILE", "login: the file holding the token, or - for stdin"],
  service: ["--service NAME", "workload-token create: the service the proxy declares"],
  zone: ["--zone NAME", "workload-token create: admit it only in this zone"],
  all: ["--all", "proxies: also those disconnected (kept until their zone forgets them)"],
  trace: ["--trace", "status: where the revision's time went, hop by hop, as a waterfall (ms after the commit)"],
  output: ["-o, --output FMT", "table (default), json or yaml"],
  server: ["--server URL", "the API (else EDGEPLANE_SERVER, the config file, http://127.0.0.1:8787)"],
  token: ["--token TOKEN", "sent as Authorization: Bearer (else EDGEPLANE_TOKEN, the config file)"],
  help: ["-h, --help", "usage"],
};

const FOOTER = `Config file: $EDGEPLANE_CONFIG, else ~/.config/edgeplane/config.json: {"server": "...", "token": "..."}
Exit codes: 0 done, 1 the API refused or the command failed, 2 usage error.`;

function optionLines(names: readonly OptionName[]): string {
  const width = Math.max(...names.map((n) => OPTION_HELP[n][0].length));
  return names.map((n) => `  ${OPTION_HELP[n][0].padEnd(width)}   ${OPTION_HELP[n][1]}`).join("\n");
}

/**
 * The overview: every command with its synopsis and summary, the kinds, the
 * options.
 *
 * @example io.stdout(usage())
 */
export function usage(): string {
  const lines = COMMAND_NAMES.map((c) => `  ${COMMANDS[c].synopsis}\n      ${COMMANDS[c].summary}`);
  return `Usage: edgeplane COMMAND [ARGS] [OPTIONS]

Commands:
${lines.join("\n")}

KIND: ${kindWords().join(", ")} (singular too, any case; svc for services)

Options:
${optionLines(OPTION_NAMES)}

${FOOTER}
`;
}

/**
 * The usage of one command, with only the options it takes.
 *
 * @example commandUsage("diff") // "Usage: edgeplane diff KIND NAME --from REV [--to REV] [-m MESH]\n..."
 */
export function commandUsage(command: CommandName): string {
  const spec = COMMANDS[command];
  return `Usage: edgeplane ${spec.synopsis}

${spec.summary}

Options:
${optionLines([...spec.options, ...GLOBAL_OPTIONS])}

${FOOTER}
`;
}
