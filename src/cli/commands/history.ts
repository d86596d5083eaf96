import type { DocumentChange } from "../../contract/document-diff.js";
import type { Resource } from "../../contract/resource-types.js";
import type { DiffResponse, HistoryPage } from "../../contract/resource-history.js";
import { describeResource, resourcePath } from "../kinds.js";
import { inlineValue } from "../output.js";
import type { ApplyResponse } from "../../contract/write-result.js";
import { renderTable } from "../table.js";
import { finishWrite } from "./apply.js";
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
    // Who and through which source, when the API records it (entries from before attribution have neither).
    const attributed = page.items.some((e) => e.by || e.source);
    const rows = page.items.map((e) => [String(e.revision), e.op, e.at, ...(attributed ? [e.by || "-", e.source || "-"] : [])]);
    const more = page.next !== null && page.next !== undefined ? `older revisions exist (before ${page.next}); -o json shows the page\n` : "";
    return renderTable(["REVISION", "OP", "AT", ...(attributed ? ["BY", "SOURCE"] : [])], rows) + more;
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
 * `rollback KIND NAME --to R [--dry-run] [--wait]`: writes the document of
 * revision R again, as a new revision (or none when it equals the current
 * one); like apply, --dry-run only says what would happen and --wait follows
 * the rollout until every proxy ACKed.
 *
 * @example edgeplane rollback httproute echo-split --to 6 --wait
 */
export async function rollbackCommand(ctx: CommandContext): Promise<number> {
  const t = targetArg(ctx);
  const { to, dryRun, wait } = ctx.line.options;
  const client = await ctx.client();
  const path = `${resourcePath(t.kind, t.mesh, t.name)}/rollback`;
  const started = ctx.io.now();
  if (dryRun) {
    const plan = await client.request<ApplyResponse>("POST", path, { json: { revision: to }, query: { dryRun: "true" } });
    return finishWrite(ctx, client, plan, ctx.io.now() - started);
  }
  if (!wait) {
    const doc = await client.request<Resource>("POST", path, { json: { revision: to } });
    emit(ctx, doc, () => `${describeResource(t.kind, t.mesh, t.name)} rolled back to the document of revision ${to}; now at revision ${doc.metadata.revision ?? "?"}\n`);
    return 0;
  }
  // The answer is the stored document: a new revision means the rollback wrote one.
  const before = await client.request<Resource>("GET", resourcePath(t.kind, t.mesh, t.name)).catch(() => undefined);
  const doc = await client.request<Resource>("POST", path, { json: { revision: to } });
  const revision = doc.metadata.revision ?? 0;
  const action = revision !== before?.metadata.revision ? (before ? "updated" : "created") : "unchanged";
  const answer: ApplyResponse = { dryRun: false, revision, results: [{ kind: t.kind, mesh: t.mesh, name: t.name, action, revision }], warnings: [] };
  return finishWrite(ctx, client, answer, ctx.io.now() - started);
}
