import { UsageError } from "../errors.js";
import { ApiClient } from "../http-client.js";
import { emit, type CommandContext } from "./context.js";

/**
 * `config-dump PROXY --bridge URL`: the xDS resources a bridge serves to one
 * proxy, from the bridge's admin endpoint (not the API: the bridge is the one
 * that knows). Printed as JSON unless -o yaml.
 *
 * @example edgeplane config-dump e2e-client --bridge http://127.0.0.1:18001
 */
export async function configDumpCommand(ctx: CommandContext): Promise<number> {
  const proxy = ctx.line.args[0] ?? "";
  const url = ctx.line.options.bridge ?? "";
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--bridge takes the bridge's admin URL, e.g. http://127.0.0.1:18001, not "${url}"`, "config-dump");
  const bridge = new ApiClient(
    { server: url.replace(/\/+$/, "") },
    { fetch: ctx.io.fetch, unreachableHint: "is the bridge's admin endpoint listening at --bridge?" },
  );
  const dump = await bridge.request<unknown>("GET", "/config_dump", { query: { proxy } });
  emit(ctx, dump, () => `${JSON.stringify(dump, null, 2)}\n`);
  return 0;
}
