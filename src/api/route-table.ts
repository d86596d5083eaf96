import type { z } from "zod";
import type { Kind } from "../contract/resource-types.js";
import { applyResult, revisionHead, writeResult } from "./response-schemas.js";
import { rollbackRequest, zoneTokenRequest } from "./request-schemas.js";

/**
 * Every route of the API, described once: method, path, what the body and the
 * answer hold. The OpenAPI document (openapi.ts) is built from this table, and
 * test/worker/openapi.test.ts fails when the table and the routes app.ts
 * registers disagree, so a route cannot be added without being described.
 * A per-route concern (who may call it) belongs in `RouteSpec` too.
 */

export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

/** "mesh-scoped": the kind the `{kinds}` segment of the path names. */
export type KindRef = Kind | "mesh-scoped";

/** What a request or an answer carries. */
export type BodySpec =
  /** One resource document (JSON or YAML on requests). */
  | { type: "resource"; kind: KindRef }
  /** `{kind: "<Kind>List", items: [...]}`. */
  | { type: "list"; kind: KindRef }
  /** Any number of resource documents: multi-document YAML, a JSON array or a `kind: List`. */
  | { type: "bundle" }
  /** A small body with a schema of its own, named in components.schemas. */
  | { type: "schema"; name: string; schema: z.ZodType };

export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI style: `/v1/meshes/{mesh}/{kinds}/{name}`. */
  path: string;
  summary: string;
  /** Query parameters, with what each means. */
  query?: Readonly<Record<string, string>>;
  /** Takes `If-Match: <revision>` for optimistic concurrency. */
  ifMatch?: boolean;
  request?: BodySpec;
  /** The success answer where its shape is known. */
  response?: BodySpec;
  /** Success status when not 200. */
  status?: number;
}

const resource = (kind: KindRef): BodySpec => ({ type: "resource", kind });
const list = (kind: KindRef): BodySpec => ({ type: "list", kind });
const schema = (name: string, s: z.ZodType): BodySpec => ({ type: "schema", name, schema: s });
const WRITE_RESULT = schema("WriteResult", writeResult);
const HISTORY_QUERY = { limit: "entries per page (1..500)", before: "only revisions older than this one" };
const DIFF_QUERY = { from: "the older revision (required)", to: "the newer revision (default: the newest)" };

/** History, diff and rollback of one resource at `base`. */
function historyOf(base: string, kind: KindRef, what: string): RouteSpec[] {
  return [
    { method: "GET", path: `${base}/history`, summary: `the revisions of ${what}, newest first`, query: HISTORY_QUERY },
    { method: "GET", path: `${base}/diff`, summary: `what changed in ${what} between two revisions`, query: DIFF_QUERY },
    {
      method: "POST",
      path: `${base}/rollback`,
      summary: `write the document ${what} had at an older revision again, as a new revision`,
      ifMatch: true,
      query: { dryRun: "true (or 1): answer what would happen, write nothing" },
      request: schema("RollbackRequest", rollbackRequest),
      response: resource(kind),
    },
  ];
}

/** Get, put and delete of one resource at `path`. */
function resourceOf(path: string, kind: KindRef, what: string): RouteSpec[] {
  return [
    { method: "GET", path, summary: `read ${what}`, response: resource(kind) },
    { method: "PUT", path, summary: `create or replace ${what}`, ifMatch: true, request: resource(kind), response: resource(kind) },
    {
      method: "DELETE",
      path,
      summary: `delete ${what}; a Service others still name is refused (409) unless cascade`,
      ifMatch: true,
      query: { cascade: "true: also delete the resources that name it, in the same batch" },
      response: WRITE_RESULT,
    },
  ];
}

export const ROUTES: readonly RouteSpec[] = [
  { method: "GET", path: "/healthz", summary: "liveness" },
  { method: "GET", path: "/v1/openapi.json", summary: "this document" },
  { method: "GET", path: "/v1/metrics", summary: "the control plane's figures (zones, bridges, proxies, lag) in Prometheus text format" },
  { method: "GET", path: "/v1/events", summary: "Server-Sent Events: written, zone-applied, proxy-acked/nacked", query: { mesh: "only this mesh", kind: "only this kind", name: "only this name" } },
  { method: "GET", path: "/v1/revision", summary: "the newest journal revision", response: schema("RevisionHead", revisionHead) },
  {
    method: "POST",
    path: "/v1/apply",
    summary: "create or update every document of a bundle, all or nothing",
    query: { dryRun: "true (or 1): validate and answer what would happen, write nothing", mesh: 'mesh of documents without metadata.mesh (default "default")' },
    request: { type: "bundle" },
    response: schema("ApplyResult", applyResult),
  },

  { method: "GET", path: "/v1/meshes", summary: "list the meshes", response: list("Mesh") },
  ...resourceOf("/v1/meshes/{name}", "Mesh", "a mesh"),
  ...historyOf("/v1/meshes/{name}", "Mesh", "a mesh"),
  { method: "GET", path: "/v1/meshes/{name}/status", summary: "which zones applied a mesh's latest revision and which proxies ACKed it" },

  { method: "GET", path: "/v1/meshes/{mesh}/{kinds}", summary: "list the resources of a kind in a mesh", response: list("mesh-scoped") },
  ...resourceOf("/v1/meshes/{mesh}/{kinds}/{name}", "mesh-scoped", "a resource of a mesh"),
  ...historyOf("/v1/meshes/{mesh}/{kinds}/{name}", "mesh-scoped", "a resource"),
  { method: "GET", path: "/v1/meshes/{mesh}/{kinds}/{name}/status", summary: "which zones applied a resource's latest revision and which proxies ACKed it" },
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/workloads",
    summary: "workloads of a mesh across zones, declared and discovered, with their health and source",
    query: { zone: "only this zone", service: "only this service" },
  },
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/proxies",
    summary: "the connected proxies of a mesh and their state per xDS type",
    query: { all: "true: disconnected proxies too (kept until their zone forgets them)" },
  },

  { method: "GET", path: "/v1/zones", summary: "zones (declared or seen), their bridges and how far behind the journal they are" },
  ...resourceOf("/v1/zones/{name}", "Zone", "a zone"),
  ...historyOf("/v1/zones/{name}", "Zone", "a zone"),
  { method: "GET", path: "/v1/zones/{zone}/connect", summary: "the bridge's WebSocket to its zone (upgrade)" },
  { method: "GET", path: "/v1/zones/{zone}/status", summary: "a zone's own state: revision, bridges, proxies" },
  {
    method: "POST",
    path: "/v1/zones/{zone}/tokens",
    summary: "issue a zone token (it is in this answer and nowhere else)",
    request: schema("ZoneTokenRequest", zoneTokenRequest),
    status: 201,
  },
  { method: "GET", path: "/v1/zones/{zone}/tokens", summary: "the zone's tokens, without the tokens" },
  { method: "DELETE", path: "/v1/zones/{zone}/tokens/{id}", summary: "revoke a zone token; bridges using it are closed" },
  { method: "POST", path: "/v1/zones/{zone}/faults", summary: "test deployments only (EDGEPLANE_FAULTS=on): cut a zone off from D1" },
];

/**
 * A table path in Hono's syntax, as `app.routes` lists it.
 *
 * @example honoPath("/v1/meshes/{mesh}/{kinds}") // "/v1/meshes/:mesh/:kinds"
 */
export function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}
