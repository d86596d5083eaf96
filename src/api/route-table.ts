import type { z } from "zod";
import type { Kind } from "../contract/resource-types.js";
import { applyResult, revisionHead, writeResult } from "./response-schemas.js";
import type { Access, MeshFrom } from "./access.js";
import { apiTokenRequest, caRotateRequest, rollbackRequest, workloadTokenRequest, zoneTokenRequest } from "./request-schemas.js";

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
  /** Who may call it (access.ts enforces it; test/worker/access.test.ts checks every route against it). */
  access: Access;
}

/** Read and write rights for the resources at one path. */
interface Rights {
  read: Access;
  write: Access;
}

const reader = (mesh: MeshFrom = "none"): Access => ({ role: "reader", mesh });
const writer = (mesh: MeshFrom = "none"): Access => ({ role: "writer", mesh });
const ADMIN: Access = { role: "admin", mesh: "none" };
/** Mesh resources: readers of the mesh read it, only admins change it. */
const MESH_RIGHTS: Rights = { read: reader({ param: "name" }), write: ADMIN };
const ZONE_RIGHTS: Rights = { read: reader(), write: ADMIN };
const MESH_SCOPED_RIGHTS: Rights = { read: reader({ param: "mesh" }), write: writer({ param: "mesh" }) };

const resource = (kind: KindRef): BodySpec => ({ type: "resource", kind });
const list = (kind: KindRef): BodySpec => ({ type: "list", kind });
const schema = (name: string, s: z.ZodType): BodySpec => ({ type: "schema", name, schema: s });
const WRITE_RESULT = schema("WriteResult", writeResult);
const HISTORY_QUERY = { limit: "entries per page (1..500)", before: "only revisions older than this one" };
const DIFF_QUERY = {
  from: "the older revision (required)",
  to: "the newer revision (default: the newest)",
  format: "yaml: also `lines`, the two revisions' YAML compared line by line",
};

/** History, diff and rollback of one resource at `base`. */
function historyOf(base: string, kind: KindRef, what: string, rights: Rights): RouteSpec[] {
  return [
    { method: "GET", path: `${base}/history`, summary: `the revisions of ${what}, newest first`, query: HISTORY_QUERY, access: rights.read },
    { method: "GET", path: `${base}/diff`, summary: `what changed in ${what} between two revisions`, query: DIFF_QUERY, access: rights.read },
    {
      method: "POST",
      access: rights.write,
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
function resourceOf(path: string, kind: KindRef, what: string, rights: Rights): RouteSpec[] {
  return [
    { method: "GET", path, summary: `read ${what}`, query: { format: "yaml: the document as YAML (application/yaml) instead of JSON" }, response: resource(kind), access: rights.read },
    { method: "PUT", path, summary: `create or replace ${what}`, ifMatch: true, request: resource(kind), response: resource(kind), access: rights.write },
    {
      method: "DELETE",
      access: rights.write,
      path,
      summary: `delete ${what}; a Service others still name is refused (409) unless cascade`,
      ifMatch: true,
      query: { cascade: "true: also delete the resources that name it, in the same batch" },
      response: WRITE_RESULT,
    },
  ];
}

export const ROUTES: readonly RouteSpec[] = [
  { method: "GET", path: "/healthz", summary: "liveness", access: { public: "a liveness probe reveals nothing" } },
  { method: "GET", path: "/v1/openapi.json", summary: "this document", access: reader() },
  { method: "GET", path: "/v1/metrics", summary: "the control plane's figures (zones, bridges, proxies, lag) in Prometheus text format", access: reader() },
  {
    method: "GET",
    path: "/v1/events",
    summary: "Server-Sent Events: written, zone-applied, proxy-acked/nacked (a token for some meshes only sees theirs)",
    query: { mesh: "only this mesh", kind: "only this kind", name: "only this name" },
    access: reader("handler"),
  },
  { method: "GET", path: "/v1/revision", summary: "the newest journal revision", response: schema("RevisionHead", revisionHead), access: reader() },
  {
    method: "POST",
    path: "/v1/apply",
    summary: "create or update every document of a bundle, all or nothing; with source and prune, make the source's resources exactly the bundle",
    query: {
      dryRun: "true (or 1): validate and answer what would happen, write nothing",
      mesh: 'mesh of documents without metadata.mesh (default "default")',
      source: "the config source to write as (default: the token's subject)",
      prune: "true: also delete what the source owns and the bundle no longer holds",
      force: "true: take over resources another source owns",
    },
    request: { type: "bundle" },
    response: schema("ApplyResult", applyResult),
    // Each document's mesh (and admin for Mesh and Zone documents) is checked by the handler.
    access: writer("handler"),
  },

  { method: "GET", path: "/v1/meshes", summary: "list the meshes (those the token covers)", response: list("Mesh"), access: reader("handler") },
  ...resourceOf("/v1/meshes/{name}", "Mesh", "a mesh", MESH_RIGHTS),
  ...historyOf("/v1/meshes/{name}", "Mesh", "a mesh", MESH_RIGHTS),
  { method: "GET", path: "/v1/meshes/{name}/status", summary: "which zones applied a mesh's latest revision and which proxies ACKed it", access: reader({ param: "name" }) },

  { method: "GET", path: "/v1/meshes/{mesh}/{kinds}", summary: "list the resources of a kind in a mesh", response: list("mesh-scoped"), access: reader({ param: "mesh" }) },
  ...resourceOf("/v1/meshes/{mesh}/{kinds}/{name}", "mesh-scoped", "a resource of a mesh", MESH_SCOPED_RIGHTS),
  ...historyOf("/v1/meshes/{mesh}/{kinds}/{name}", "mesh-scoped", "a resource", MESH_SCOPED_RIGHTS),
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/{kinds}/{name}/status",
    summary: "which zones applied a resource's latest revision and which proxies ACKed it",
    access: reader({ param: "mesh" }),
  },
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/workloads",
    summary: "workloads of a mesh across zones, declared and discovered, with their health and source",
    query: { zone: "only this zone", service: "only this service" },
    access: reader({ param: "mesh" }),
  },
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/propagation",
    summary: "the mesh's newest revisions, oldest first, each with how many proxies reached it and the time from the write to the last ACK",
    query: { limit: "revisions (1..500, default 100)" },
    access: reader({ param: "mesh" }),
  },
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/proxies",
    summary: "the connected proxies of a mesh and their state per xDS type",
    query: { all: "true: disconnected proxies too (kept until their zone forgets them)" },
    access: reader({ param: "mesh" }),
  },
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/identities",
    summary: "certificates the zones issued for the mesh and that are still valid: service, SPIFFE ID, serial, not-after, and the zone and bridge that hold the key",
    access: reader({ param: "mesh" }),
  },
  {
    method: "GET",
    path: "/v1/meshes/{mesh}/ca",
    summary: "the mesh's trust bundle: the PEM of its CA roots still valid (no key is ever answered); 404 before mTLS was first enabled",
    access: reader({ param: "mesh" }),
  },
  {
    method: "POST",
    path: "/v1/meshes/{mesh}/ca/rotate",
    summary: "rotate the mesh CA: a new root (made here, or imported with its key) joins the bundle now, signs after certTTL, and the old root leaves the bundle when its last leaf expired",
    request: schema("CaRotateRequest", caRotateRequest),
    status: 201,
    access: ADMIN,
  },

  {
    method: "POST",
    path: "/v1/meshes/{mesh}/workload-tokens",
    summary: "issue a workload token: a proxy carrying it in its node metadata (`token`) may be registered as an endpoint of the service and get its identity (the token is in this answer and nowhere else)",
    request: schema("WorkloadTokenRequest", workloadTokenRequest),
    status: 201,
    access: writer({ param: "mesh" }),
  },
  { method: "GET", path: "/v1/meshes/{mesh}/workload-tokens", summary: "the mesh's workload tokens, without the tokens", access: reader({ param: "mesh" }) },
  {
    method: "DELETE",
    path: "/v1/meshes/{mesh}/workload-tokens/{id}",
    summary: "revoke a workload token; bridges drop the proxies using it",
    access: writer({ param: "mesh" }),
  },

  { method: "GET", path: "/v1/zones", summary: "zones (declared or seen), their bridges and how far behind the journal they are", access: reader() },
  ...resourceOf("/v1/zones/{name}", "Zone", "a zone", ZONE_RIGHTS),
  ...historyOf("/v1/zones/{name}", "Zone", "a zone", ZONE_RIGHTS),
  {
    method: "GET",
    path: "/v1/zones/{zone}/connect",
    summary: "the bridge's WebSocket to its zone (upgrade)",
    access: { public: "bridges authenticate with a zone token in their Hello; nothing is recorded before it is checked" },
  },
  { method: "GET", path: "/v1/zones/{zone}/status", summary: "a zone's own state: revision, bridges, proxies (of the meshes the token covers)", access: reader("handler") },
  {
    method: "POST",
    path: "/v1/zones/{zone}/tokens",
    summary: "issue a zone token (it is in this answer and nowhere else)",
    request: schema("ZoneTokenRequest", zoneTokenRequest),
    status: 201,
    access: ADMIN,
  },
  { method: "GET", path: "/v1/zones/{zone}/tokens", summary: "the zone's tokens, without the tokens", access: ADMIN },
  { method: "DELETE", path: "/v1/zones/{zone}/tokens/{id}", summary: "revoke a zone token; bridges using it are closed", access: ADMIN },
  { method: "POST", path: "/v1/zones/{zone}/faults", summary: "test deployments only (EDGEPLANE_FAULTS=on): cut a zone off from D1", access: ADMIN },

  {
    method: "POST",
    path: "/v1/tokens",
    summary: "issue an API token (it is in this answer and nowhere else)",
    request: schema("ApiTokenRequest", apiTokenRequest),
    status: 201,
    access: ADMIN,
  },
  { method: "GET", path: "/v1/tokens", summary: "the API tokens, without the tokens", access: ADMIN },
  { method: "DELETE", path: "/v1/tokens/{id}", summary: "revoke an API token at once (idempotent)", access: ADMIN },
];

/**
 * A table path in Hono's syntax, as `app.routes` lists it.
 *
 * @example honoPath("/v1/meshes/{mesh}/{kinds}") // "/v1/meshes/:mesh/:kinds"
 */
export function honoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ":$1");
}
