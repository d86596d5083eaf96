import { parseCommandLine, type CommandLine } from "./args.js";
import { loginCommand, tokenCommand } from "./commands/tokens.js";
import { workloadTokenCommand } from "./commands/workload-tokens.js";
import { CLI_VERSION } from "./version.js";
import { isCommandName, type CommandName } from "./command-specs.js";
import { applyCommand } from "./commands/apply.js";
import { configDumpCommand } from "./commands/config-dump.js";
import type { Command, CommandContext } from "./commands/context.js";
import { diffCommand, historyCommand, rollbackCommand } from "./commands/history.js";
import { proxiesCommand, zonesCommand } from "./commands/inventory.js";
import { deleteCommand, getCommand } from "./commands/resources.js";
import { schemaCommand } from "./commands/schema.js";
import { statusCommand } from "./commands/status.js";
import { resolveClientConfig } from "./config.js";
import { exitCodeOf, formatError, UsageError } from "./errors.js";
import { ApiClient } from "./http-client.js";
import type { CliIo } from "./io.js";
import { commandUsage, usage } from "./usage.js";

const HANDLERS: Readonly<Record<Exclude<CommandName, "help">, Command>> = {
  apply: applyCommand,
  get: getCommand,
  delete: deleteCommand,
  history: historyCommand,
  diff: diffCommand,
  rollback: rollbackCommand,
  status: statusCommand,
  proxies: proxiesCommand,
  zones: zonesCommand,
  "config-dump": configDumpCommand,
  schema: schemaCommand,
  token: tokenCommand,
  "workload-token": workloadTokenCommand,
  login: loginCommand,
};

/**
 * Runs one command line and returns the exit code: 0 done, 1 failed (API
 * error, unreadable input, NACK or timeout while waiting), 2 usage error.
 * Output goes through `io`, so tests run it in-process.
 *
 * @example process.exitCode = await runCli(["get", "services", "-o", "json"], processIo());
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let line: CommandLine | undefined;
  try {
    line = parseCommandLine(argv);
    if (line.options.version) {
      io.stdout(`edgeplane ${CLI_VERSION}\n`);
      return 0;
    }
    const command = line.command;
    if (command === undefined) {
      io[line.options.help ? "stdout" : "stderr"](usage());
      return line.options.help ? 0 : 2;
    }
    if (command === "help") return help(line.args[0], io);
    if (line.options.help) {
      io.stdout(commandUsage(command));
      return 0;
    }
    return await HANDLERS[command](context(line, io));
  } catch (err) {
    io.stderr(formatError(err));
    if (err instanceof UsageError) {
      const which = err.command ?? line?.command;
      io.stderr(`\n${which !== undefined && isCommandName(which) && which !== "help" ? commandUsage(which) : usage()}`);
    }
    return exitCodeOf(err);
  }
}

function help(topic: string | undefined, io: CliIo): number {
  if (topic === undefined) io.stdout(usage());
  else if (isCommandName(topic)) io.stdout(commandUsage(topic));
  else throw new UsageError(`unknown command "${topic}"`);
  return 0;
}

function context(line: CommandLine, io: CliIo): CommandContext {
  let client: Promise<ApiClient> | undefined;
  return {
    line,
    io,
    client: () =>
      (client ??= resolveClientConfig({ ...(line.options.server === undefined ? {} : { server: line.options.server }), ...(line.options.token === undefined ? {} : { token: line.options.token }) }, io.env).then(
        (config) => new ApiClient(config, { fetch: io.fetch }),
      )),
  };
}
