import { Hono } from "hono";
import { diffDocuments } from "../contract/document-diff.js";
import { documentYaml } from "../contract/document-yaml.js";
import { diffLines } from "../contract/line-diff.js";
import type { DiffResponse, HistoryEntry } from "../contract/resource-history.js";
import type { Kind, Resource, ResourceKey } from "../contract/resource-types.js";
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, JournalHistory } from "../store/journal-history.js";
import { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
import { answerWrite } from "./commit-path.js";
import { writeContext } from "./write-context.js";
import { readDocuments } from "./request-body.js";
import { ifMatchRevision, meshScopedKind, queryBool, queryInt, queryRevision, queryYaml, readRollbackRevision } from "./request-params.js";
import { ResourceService } from "./resource-service.js";

type KeyOf = (c: ApiContext) => ResourceKey;

/**
 * History, diff and rollback of one resource, read from the journal. Mounted
 * by app.ts before the generic resource routes, so that `/v1/meshes/{name}/history`
 * is not read as a list of kind "history".
 *
 * @example
 * // GET  /v1/meshes/default/httproutes/split/history?limit=20
 * // GET  /v1/meshes/default/httproutes/split/diff?from=12&to=15
 * // POST /v1/meshes/default/httproutes/split/rollback   {"revision": 12}
 * app.route("/", historyRoutes);
 */
export const historyRoutes = new Hono<AppEnv>();

const meshScoped: KeyOf = (c) => ({
  kind: meshScopedKind(c.req.param("kinds") ?? ""),
  mesh: c.req.param("mesh") ?? "",
  name: c.req.param("name") ?? "",
});
const globalKind =
  (kind: Kind): KeyOf =>
  (c) => ({ kind, mesh: "", name: c.req.param("name") ?? "" });

const TARGETS: [string, KeyOf][] = [
  ["/v1/meshes/:mesh/:kinds/:name", meshScoped],
  ["/v1/meshes/:name", globalKind("Mesh")],
  ["/v1/zones/:name", globalKind("Zone")],
];

for (const [base, keyOf] of TARGETS) {
  historyRoutes.get(`${base}/history`, (c) => history(c, keyOf(c)));
  historyRoutes.get(`${base}/diff`, (c) => diff(c, keyOf(c)));
  historyRoutes.post(`${base}/rollback`, (c) => rollback(c, keyOf(c)));
}

async function history(c: ApiContext, key: ResourceKey): Promise<Response> {
  const limit = queryInt(c.req.query("limit"), "limit", { min: 1, max: HISTORY_MAX_LIMIT }) ?? HISTORY_DEFAULT_LIMIT;
  const before = queryRevision(c.req.query("before"), "before");
  const journal = new JournalHistory(c.env.DB);
  const page = await journal.page(key, before === undefined ? { limit } : { limit, before });
  // An empty page past the oldest entry is an answer; a resource with no entry at all is not.
  if (page.items.length === 0 && (before === undefined || !(await journal.latest(key)))) throw notFound(key);
  return c.json(page);
}

async function diff(c: ApiContext, key: ResourceKey): Promise<Response> {
  const from = queryRevision(c.req.query("from"), "from");
  if (from === undefined) {
    throw new ApiError("missing_field", "the query parameter from is required", { field: "from", hint: "pick revisions from GET .../history" });
  }
  const to = queryRevision(c.req.query("to"), "to");
  const journal = new JournalHistory(c.env.DB);
  const latest = await journal.latest(key);
  if (!latest) throw notFound(key);
  const fromEntry = await entryAt(journal, key, from, "from");
  const toEntry = to === undefined ? latest : await entryAt(journal, key, to, "to");
  const before = documentOf(fromEntry);
  const after = documentOf(toEntry);
  const answer: DiffResponse = { from, to: toEntry.revision, changes: diffDocuments(before, after) };
  // The line view compares the YAML a person would read; a missing document (a delete) is no lines.
  if (queryYaml(c.req.query("format"))) answer.lines = diffLines(before ? documentYaml(before) : "", after ? documentYaml(after) : "");
  return c.json(answer);
}

async function rollback(c: ApiContext, key: ResourceKey): Promise<Response> {
  const [body] = await readDocuments(c.req.raw, { multi: false });
  const revision = readRollbackRevision(body);
  const ifMatch = ifMatchRevision(c.req.header("if-match"));
  const journal = new JournalHistory(c.env.DB);
  if (!(await journal.latest(key))) throw notFound(key);
  const entry = await entryAt(journal, key, revision, "revision");
  if (entry.op === "delete") {
    const before = (await journal.page(key, { limit: 1, before: revision })).items[0];
    throw new ApiError("invalid_field", `revision ${revision} deleted ${describe(key)}; there is no document to restore`, {
      field: "revision",
      hint:
        before?.op === "put"
          ? `revision ${before.revision} holds the document as it was before the delete`
          : "pick a put revision from GET .../history",
    });
  }
  // The old document goes through the same path as a PUT: validated again
  // (the schema may have moved on), references checked against today's state,
  // unchanged documents skipped, one journal row when something changes.
  const dryRun = queryBool(c.req.query("dryRun"), "dryRun") ?? false;
  const outcome = await new ResourceService(new ResourceStore(c.env.DB), writeContext(c)).put(ResourceService.validateAt(entry.document, key), ifMatch, { dryRun });
  // A dry run answers like a dry-run apply: what would happen, nothing written.
  return answerWrite(c, outcome, dryRun ? { shape: "bundle", dryRun } : { shape: "document", key });
}

async function entryAt(journal: JournalHistory, key: ResourceKey, revision: number, field: string): Promise<HistoryEntry> {
  const entry = await journal.at(key, revision);
  if (!entry) {
    throw new ApiError("invalid_field", `revision ${revision} is not a write of ${describe(key)}`, {
      field,
      hint: "pick a revision from GET .../history of this resource",
    });
  }
  return entry;
}

/** A delete has no document after it: it diffs as the document disappearing. */
function documentOf(entry: HistoryEntry): Resource | null {
  return entry.op === "delete" ? null : entry.document;
}

function describe(key: ResourceKey): string {
  return `${key.kind} "${key.name}"${key.mesh ? ` in mesh "${key.mesh}"` : ""}`;
}

function notFound(key: ResourceKey): ApiError {
  return new ApiError("not_found", `${describe(key)} has no history: it never existed`);
}
