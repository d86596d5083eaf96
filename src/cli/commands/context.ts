import type { Kind } from "../../contract/resource-types.js";
import type { CommandLine } from "../args.js";
import { UsageError } from "../errors.js";
import type { ApiClient } from "../http-client.js";
import type { CliIo } from "../io.js";
import { isGlobalKind, kindWords, resolveKind } from "../kinds.js";
import { renderData } from "../output.js";

/** What a command gets to run with. */
export interface CommandContext {
  line: CommandLine;
  io: CliIo;
  /** The API client, configured on first use (commands that do not call the API never read the config). */
  client(): Promise<ApiClient>;
}

/** A command: returns its exit code, or throws (see errors.ts for the codes). */
export type Command = (ctx: CommandContext) => Promise<number>;

/** The resource a `KIND NAME` pair of arguments names. */
export interface Target {
  kind: Kind;
  /** "" for Mesh and Zone. */
  mesh: string;
  name: string;
}

/**
 * Prints `data` as JSON or YAML when -o asks for it, else the human text.
 *
 * @example emit(ctx, list, () => renderTable(["NAME"], rows))
 */
export function emit(ctx: CommandContext, data: unknown, human: () => string): void {
  const format = ctx.line.options.output;
  ctx.io.stdout(format === "table" ? human() : renderData(data, format));
}

/**
 * The kind of the first argument; unknown words are a usage error listing
 * the known ones.
 *
 * @example kindArg(ctx) // "Service" for `get svc`
 */
export function kindArg(ctx: CommandContext): Kind {
  const word = ctx.line.args[0] ?? "";
  const kind = resolveKind(word);
  if (!kind) throw new UsageError(`unknown kind "${word}"; one of ${kindWords().join(", ")}`, ctx.line.command);
  return kind;
}

/**
 * The resource of `KIND NAME` in the mesh of -m (none for global kinds).
 *
 * @example targetArg(ctx) // {kind: "HTTPRoute", mesh: "default", name: "echo-split"}
 */
export function targetArg(ctx: CommandContext): Target {
  const kind = kindArg(ctx);
  const name = ctx.line.args[1];
  if (name === undefined) throw new UsageError(`${ctx.line.command} needs a NAME`, ctx.line.command);
  return { kind, mesh: isGlobalKind(kind) ? "" : ctx.line.options.mesh, name };
}
