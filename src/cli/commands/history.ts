import type { DocumentChange } from "../../contract/document-diff.js";
import type { Resource } from "../../contract/resource-types.js";
import type { DiffResponse, HistoryPage } from "../../contract/resource-history.js";
import { describeResource, resourcePath } from "../kinds.js";
import { inlineValue } from "../output.js";
import { renderTable } from "../table.js";
import { emit, targetArg, type CommandContext } from "./context.js";

/**
 * `history KIND NAME`: the revisions of one resource, newest first (the
 * API's first page; -o json/yaml carries the documents and `next`).
 *
 * @example edgeplane history httproute echo-split
 */
export async function historyCommand(ctx: CommandContext): Promise<number> {
  const t = targetArg(ctx);
  const page = await (await ctx.client()).request<HistoryPage>("GET", `${resourcePath(t.kind, t.mesh, t.name)}/history`);
  emit(ctx, page, () => {
    const rows = page.items.map((e) => [String(e.revision), e.op, e.at]);
    const more = page.next !== null && page.next !== undefined ? `older revisions exist (before ${page.next}); -o json shows the page\n` : "";
    return renderTable(["REVISION", "OP", "AT"], rows) + more;
  });
  return 0;
}

/**
 * `diff KIND NAME --from R [--to R]`: what changed between two revisions.
 *
 * @example edgeplane diff httproute echo-split --from 6 --to 9
 */
export async function diffCommand(ctx: CommandContext): Promise<number> {
  const t = targetArg(ctx);
  const { from, to } = ctx.line.options;
  const diff = await (await ctx.client()).request<DiffResponse>("GET", `${resourcePath(t.kind, t.mesh, t.name)}/diff`, { query: { from, to } });
  emit(ctx, diff, () => `${describeResource(t.kind, t.mesh, t.name)}: revision ${diff.from} -> ${diff.to}\n${formatChanges(diff.changes)}`);
  return 0;
}

/**
 * Diff lines: `~ path: old -> new`, `+ path: value`, `- path: value`; the
 * whole document appearing or disappearing reads as created or deleted.
 *
 * @example formatChanges([{ path: "spec.ports[0].port", op: "replace", from: 80, to: 8080 }]) // "~ spec.ports[0].port: 80 -> 8080\n"
 */
export function formatChanges(changes: readonly DocumentChange[]): string {
  if (changes.length === 0) return "no changes\n";
  const lines = changes.map((c) => {
    if (c.path === "") return c.op === "add" ? "+ (the resource was created)" : c.op === "remove" ? "- (the resource was deleted)" : "~ (the whole document)";
    if (c.op === "add") return `+ ${c.path}: ${inlineValue(c.to)}`;
    if (c.op === "remove") return `- ${c.path}: ${inlineValue(c.from)}`;
    return `~ ${c.path}: ${inlineValue(c.from)} -> ${inlineValue(c.to)}`;
  });
  return `${lines.join("\n")}\n`;
}

/**
 * `rollback KIND NAME --to R`: writes the document of revision R again, as a
 * new revision (or none when it equals the current one).
 *
 * @example edgeplane rollback httproute echo-split --to 6
 */
export async function rollbackCommand(ctx: CommandContext): Promise<number> {
  const t = targetArg(ctx);
  const to = ctx.line.options.to;
  const doc = await (await ctx.client()).request<Resource>("POST", `${resourcePath(t.kind, t.mesh, t.name)}/rollback`, { json: { revision: to } });
  emit(ctx, doc, () => `${describeResource(t.kind, t.mesh, t.name)} rolled back to the document of revision ${to}; now at revision ${doc.metadata.revision ?? "?"}\n`);
  return 0;
}
