/**
 * What each command accepts: its arguments, its options and its usage text.
 * Data only, so argument checking (args.ts), help (usage.ts) and dispatch
 * (cli.ts) read the same table and cannot disagree.
 */

/** Every long option the CLI knows. */
export const OPTION_NAMES = ["server", "token", "output", "mesh", "filename", "dry-run", "wait", "timeout", "from", "to", "bridge", "all", "trace", "version", "source", "prune", "force", "cascade", "subject", "role", "meshes", "sources", "ttl", "secret-file", "token-file", "service", "zone", "help"] as const;
export type OptionName = (typeof OPTION_NAMES)[number];

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = ["server", "token", "version", "help"];

export const COMMAND_NAMES = ["apply", "get", "delete", "history", "diff", "rollback", "status", "proxies", "zones", "config-dump", "schema", "token", "workload-token", "login", "help"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandSpec {
  name: CommandName;
  /** Arguments and options as shown in usage. */
  synopsis: string;
  summary: string;
  minArgs: number;
  maxArgs: number;
  options: readonly OptionName[];
  /** Options without which the command cannot run. */
  required?: readonly OptionName[];
}

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  apply: {
    name: "apply",
    synopsis: "apply -f FILE|DIR|- [-f ...] [-m MESH] [--source NAME [--prune]] [--force] [--dry-run] [--wait [--timeout 60s]]",
    summary: "create or update every resource in the files, all or nothing (with --prune: and delete what the source owns that they no longer hold)",
    minArgs: 0,
    maxArgs: 0,
    options: ["filename", "mesh", "source", "prune", "force", "dry-run", "wait", "timeout", "output"],
    required: ["filename"],
  },
  get: {
    name: "get",
    synopsis: "get KIND [NAME] [-m MESH]",
    summary: "list the resources of a kind, or show one",
    minArgs: 1,
    maxArgs: 2,
    options: ["mesh", "output"],
  },
  delete: {
    name: "delete",
    synopsis: "delete KIND NAME [-m MESH] [--cascade] [--source NAME] [--force]",
    summary: "delete one resource (--cascade: with what still names it)",
    minArgs: 2,
    maxArgs: 2,
    options: ["mesh", "cascade", "source", "force", "output"],
  },
  history: {
    name: "history",
    synopsis: "history KIND NAME [-m MESH]",
    summary: "the revisions of one resource, newest first",
    minArgs: 2,
    maxArgs: 2,
    options: ["mesh", "output"],
  },
  diff: {
    name: "diff",
    synopsis: "diff KIND NAME --from REV [--to REV] [-m MESH]",
    summary: "what changed in a resource between two revisions (--to: the newest)",
    minArgs: 2,
    maxArgs: 2,
    options: ["mesh", "from", "to", "output"],
    required: ["from"],
  },
  rollback: {
    name: "rollback",
    synopsis: "rollback KIND NAME --to REV [-m MESH] [--dry-run] [--wait [--timeout 60s]]",
    summary: "write the document of an older revision again, as a new revision",
    minArgs: 2,
    maxArgs: 2,
    options: ["mesh", "to", "dry-run", "wait", "timeout", "output"],
    required: ["to"],
  },
  status: {
    name: "status",
    synopsis: "status KIND NAME [-m MESH] [--trace]",
    summary: "which zones applied a resource and which proxies ACKed it (--trace: where the time went, hop by hop, as a waterfall)",
    minArgs: 2,
    maxArgs: 2,
    options: ["mesh", "trace", "output"],
  },
  proxies: {
    name: "proxies",
    synopsis: "proxies [-m MESH] [--all]",
    summary: "the connected proxies of a mesh and their state per xDS type (--all: disconnected ones too)",
    minArgs: 0,
    maxArgs: 0,
    options: ["mesh", "all", "output"],
  },
  zones: {
    name: "zones",
    synopsis: "zones",
    summary: "zones, their bridges and how far behind the journal they are",
    minArgs: 0,
    maxArgs: 0,
    options: ["output"],
  },
  "config-dump": {
    name: "config-dump",
    synopsis: "config-dump PROXY --bridge URL",
    summary: "the xDS configuration a bridge serves to one proxy",
    minArgs: 1,
    maxArgs: 1,
    options: ["bridge", "output"],
    required: ["bridge"],
  },
  token: {
    name: "token",
    synopsis: "token create --subject S --role reader|writer|admin [--meshes a,b|*] [--sources x,y] [--ttl 720h] | token list | token revoke ID | token bootstrap --secret-file F [--subject S] [--ttl 15m]",
    summary: "API tokens: issue, list, revoke; bootstrap signs a short-lived admin token with the Worker's secret, to create the first one",
    minArgs: 1,
    maxArgs: 2,
    options: ["subject", "role", "meshes", "sources", "ttl", "secret-file", "output"],
  },
  "workload-token": {
    name: "workload-token",
    synopsis: "workload-token create --service S [-m MESH] [--zone Z] [--ttl 720h] | workload-token list [-m MESH] | workload-token revoke ID [-m MESH]",
    summary: "workload tokens: what a proxy carries in its node metadata (token) to be registered as an endpoint of its service and get its identity",
    minArgs: 1,
    maxArgs: 2,
    options: ["mesh", "service", "zone", "ttl", "output"],
  },
  login: {
    name: "login",
    synopsis: "login --server URL --token-file FILE|-",
    summary: "check a token against the server and keep both in the config file (mode 0600)",
    minArgs: 0,
    maxArgs: 0,
    options: ["token-file"],
    required: ["server", "token-file"],
  },
  schema: {
    name: "schema",
    synopsis: "schema KIND",
    summary: "the JSON Schema of a kind's documents, for editors (no server needed)",
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  help: {
    name: "help",
    synopsis: "help [COMMAND]",
    summary: "this text, or the usage of one command",
    minArgs: 0,
    maxArgs: 1,
    options: [],
  },
};

export function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(word);
}
