import type { Resource } from "../../contract/resource-types.js";
import type { ResourceList } from "../../contract/resource-list.js";
import type { WriteResult } from "../../contract/write-result.js";
import type { ZoneList } from "../../contract/zone-status.js";
import { describeResource, isGlobalKind, resourcePath } from "../kinds.js";
import { resourceTable } from "../resource-table.js";
import { emit, kindArg, targetArg, type CommandContext } from "./context.js";

/**
 * `get KIND [NAME]`: the resources of a kind in the mesh, or one of them.
 * JSON and YAML print the API's documents as they are.
 *
 * @example edgeplane get httproutes -m default -o yaml
 */
export async function getCommand(ctx: CommandContext): Promise<number> {
  const client = await ctx.client();
  const kind = kindArg(ctx);
  if (ctx.line.args[1] !== undefined) {
    const t = targetArg(ctx);
    const doc = await client.request<Resource>("GET", resourcePath(t.kind, t.mesh, t.name));
    emit(ctx, doc, () => resourceTable(kind, [doc], ctx.io.now()));
    return 0;
  }
  const mesh = isGlobalKind(kind) ? "" : ctx.line.options.mesh;
  let list: ResourceList;
  if (kind === "Zone") {
    // GET /v1/zones is the zone inventory (declared or seen); `get` shows the declared resources.
    const inventory = await client.request<ZoneList>("GET", resourcePath(kind, mesh));
    list = { kind: "ZoneList", items: inventory.items.flatMap((z) => (z.declared && z.resource ? [z.resource] : [])) };
  } else {
    list = await client.request<ResourceList>("GET", resourcePath(kind, mesh));
  }
  emit(ctx, list, () => resourceTable(kind, list.items, ctx.io.now()));
  return 0;
}

/**
 * `delete KIND NAME`: deletes one resource; the answer names the revision of
 * the delete.
 *
 * @example edgeplane delete workload echo-v2-a
 */
export async function deleteCommand(ctx: CommandContext): Promise<number> {
  const t = targetArg(ctx);
  const { cascade, source, force } = ctx.line.options;
  const result = await (await ctx.client()).request<WriteResult>("DELETE", resourcePath(t.kind, t.mesh, t.name), {
    query: { cascade: cascade ? "true" : undefined, source, force: force ? "true" : undefined },
  });
  emit(ctx, result, () => `${describeResource(t.kind, t.mesh, t.name)} deleted (revision ${result.revision})\n`);
  return 0;
}
