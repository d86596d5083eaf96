import { Hono } from "hono";
import { documentYaml } from "../contract/document-yaml.js";
import { NAME_PATTERN } from "../contract/resource-schema.js";
import type { Kind, ResourceKey } from "../contract/resource-types.js";
import type { ResourceList } from "../contract/resource-list.js";
import { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
import { bodyLimit } from "./body-limit.js";
import { answerWrite } from "./commit-path.js";
import { originCheck } from "./origin-check.js";
import { historyRoutes } from "./history-routes.js";
import { meshCaRoutes } from "./mesh-ca-routes.js";
import { inventoryRoutes } from "./inventory-routes.js";
import { openApiDocument } from "./openapi.js";
import { propagationRoutes } from "./propagation-routes.js";
import { statusRoutes } from "./status-routes.js";
import { readDocuments } from "./request-body.js";
import { ifMatchRevision, meshScopedKind, queryBool, queryYaml } from "./request-params.js";
import { ResourceService } from "./resource-service.js";
import { authorize, principalOf, requireMesh } from "./access.js";
import { meshCovered } from "../contract/api-token.js";
import { writeContext } from "./write-context.js";
import { metricsRoutes } from "./metrics-routes.js";
import { tokenRoutes } from "./token-routes.js";
import { zoneRoutes } from "./zone-routes.js";
import { workloadTokenRoutes } from "./workload-token-routes.js";
import { zoneTokenRoutes } from "./zone-token-routes.js";
import { uiRoutes } from "../ui/ui-routes.js";
import { serverTiming, timingOf } from "./server-timing.js";


/**
 * The management API. Routes only translate HTTP to ResourceService calls and
 * back; the rules live in the service, errors are mapped once in onError.
 *
 * @example await app.request("/v1/meshes/default/services", {}, env)
 */
export const app = new Hono<AppEnv>();

app.onError((err, c) => {
  const apiError = ApiError.from(err);
  if (apiError.code === "internal") console.error(`${c.req.method} ${c.req.path}:`, err);
  return apiError.toResponse();
});
app.notFound((c) => new ApiError("not_found", `no route for ${c.req.method} ${c.req.path}`).toResponse());

app.use("*", serverTiming);
app.use("*", originCheck);
// Before the token check: a refused request's body must be read (or bounded) too, or its connection hangs (body-limit.ts).
app.use("/v1/*", bodyLimit);
app.use("*", authorize);

app.get("/healthz", (c) => c.json({ ok: true }));

app.get("/v1/events", async (c) => {
  if (!c.env.EVENTS) throw new ApiError("not_found", "this deployment has no event stream (EVENTS binding)");
  // A token for some meshes follows one of them: the mesh filter is required then (implied when it has one).
  const claims = principalOf(c);
  const url = new URL(c.req.url);
  if (!claims.meshes.includes("*")) {
    const mesh = url.searchParams.get("mesh") ?? (claims.meshes.length === 1 ? claims.meshes[0]! : undefined);
    if (mesh === undefined) throw new ApiError("forbidden", "this token covers some meshes only: follow one with ?mesh=NAME", { field: "mesh" });
    requireMesh(claims, mesh);
    url.searchParams.set("mesh", mesh);
  }
  const res = await c.env.EVENTS.get(c.env.EVENTS.idFromName("events")).fetch(new Request(url, c.req.raw));
  if (!res.body) return res;
  // Neither the hub nor this Worker hears when an SSE client hangs up (no
  // request.signal, no cancel reaches a Durable Object's response body); the
  // first event written afterwards fails with "Network connection lost".
  // Piping here makes that failure ours: the pipe cancels the hub's stream,
  // so the hub drops the listener instead of writing to it forever.
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  res.body.pipeTo(writable).catch(() => undefined);
  return new Response(readable, { status: res.status, headers: res.headers });
});

app.get("/v1/revision", async (c) => c.json({ revision: await store(c).head() }));

app.get("/v1/openapi.json", (c) => c.json(openApiDocument()));

// Before the generic routes: "history", "diff" and "rollback" are not kinds or names.
app.route("/", historyRoutes);
app.route("/", inventoryRoutes);
app.route("/", statusRoutes);
app.route("/", meshCaRoutes);
app.route("/", propagationRoutes);
app.route("/", zoneTokenRoutes);
app.route("/", workloadTokenRoutes);
app.route("/", zoneRoutes);
app.route("/", metricsRoutes);
app.route("/", tokenRoutes);
app.route("/", uiRoutes);

// ---- global kinds: Mesh and Zone ------------------------------------------

app.get("/v1/meshes", (c) => list(c, "Mesh", ""));
app.get("/v1/zones/:name", (c) => getOne(c, { kind: "Zone", mesh: "", name: c.req.param("name") }));
app.get("/v1/meshes/:name", (c) => getOne(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));
app.put("/v1/zones/:name", (c) => putOne(c, { kind: "Zone", mesh: "", name: c.req.param("name") }));
app.put("/v1/meshes/:name", (c) => putOne(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));
app.delete("/v1/meshes/:name", (c) => deleteOne(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));

// ---- mesh-scoped resources ------------------------------------------------

app.get("/v1/meshes/:mesh/:kinds", (c) => list(c, meshScopedKind(c.req.param("kinds") ?? ""), c.req.param("mesh")));
app.get("/v1/meshes/:mesh/:kinds/:name", (c) => getOne(c, meshKey(c)));
app.put("/v1/meshes/:mesh/:kinds/:name", (c) => putOne(c, meshKey(c)));
app.delete("/v1/meshes/:mesh/:kinds/:name", (c) => deleteOne(c, meshKey(c)));

app.post("/v1/apply", async (c) => {
  const docs = await readDocuments(c.req.raw, { multi: true });
  const dryRun = queryBool(c.req.query("dryRun"), "dryRun") ?? false;
  const defaultMesh = c.req.query("mesh") ?? "default";
  if (!NAME_PATTERN.test(defaultMesh)) throw new ApiError("invalid_field", `mesh "${defaultMesh}" is not a valid name`, { field: "mesh" });
  const prune = queryBool(c.req.query("prune"), "prune") ?? false;
  if (prune && c.req.query("source") === undefined) {
    throw new ApiError("invalid_query", "prune needs the source whose resources the bundle is", { field: "source", hint: "POST /v1/apply?source=NAME&prune=true" });
  }
  const outcome = await service(c).applyDocuments(docs, { dryRun, defaultMesh, prune });
  return answerWrite(c, outcome, { shape: "bundle", dryRun });
});

// ---- handlers ---------------------------------------------------------------

async function list(c: ApiContext, kind: Kind, mesh: string): Promise<Response> {
  const claims = principalOf(c);
  // Meshes are listed as far as the token covers them.
  const items = (await store(c).list(kind, mesh)).filter((d) => kind !== "Mesh" || meshCovered(claims, d.resource.metadata.name));
  return c.json({ kind: `${kind}List`, items: items.map((d) => d.resource) } satisfies ResourceList);
}

async function getOne(c: ApiContext, key: ResourceKey): Promise<Response> {
  const found = await store(c).get(key);
  if (!found) throw new ApiError("not_found", `${key.kind} "${key.name}" does not exist${key.mesh ? ` in mesh "${key.mesh}"` : ""}`);
  c.header("ETag", `"${found.revision}"`);
  // YAML for people (the dashboard, `curl`); it reads back through PUT as the same document.
  if (queryYaml(c.req.query("format"))) return c.body(documentYaml(found.resource), 200, { "content-type": "application/yaml; charset=utf-8" });
  return c.json(found.resource);
}

async function putOne(c: ApiContext, key: ResourceKey): Promise<Response> {
  const timing = timingOf(c);
  const [doc] = await timing.measure("parse", () => readDocuments(c.req.raw, { multi: false }));
  const resource = await timing.measure("validate", () => ResourceService.validateAt(doc, key));
  const outcome = await timing.measure("write", () => service(c).put(resource, ifMatchRevision(c.req.header("if-match"))));
  return timing.measure("answer", () => answerWrite(c, outcome, { shape: "document", key }));
}

async function deleteOne(c: ApiContext, key: ResourceKey): Promise<Response> {
  const cascade = queryBool(c.req.query("cascade"), "cascade") ?? false;
  const outcome = await service(c).delete(key, ifMatchRevision(c.req.header("if-match")), { cascade });
  return answerWrite(c, outcome, { shape: "result" });
}

function meshKey(c: ApiContext): ResourceKey {
  return { kind: meshScopedKind(c.req.param("kinds") ?? ""), mesh: c.req.param("mesh") ?? "", name: c.req.param("name") ?? "" };
}

function store(c: ApiContext): ResourceStore {
  return new ResourceStore(c.env.DB);
}

function service(c: ApiContext): ResourceService {
  return new ResourceService(store(c), writeContext(c));
}
