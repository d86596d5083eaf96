import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { NAME_PATTERN } from "../contract/resource-schema.js";
import type { Kind, ResourceKey } from "../contract/resource-types.js";
import type { Env } from "../env.js";
import { publishEvents } from "../events/publish.js";
import { notifyZones, recordZoneSeen } from "../global/zone-notifier.js";
import { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";
import { historyRoutes } from "./history-routes.js";
import { inventoryRoutes } from "./inventory-routes.js";
import { openApiDocument } from "./openapi.js";
import { statusRoutes } from "./status-routes.js";
import { readDocuments } from "./request-body.js";
import { ifMatchRevision, meshScopedKind } from "./request-params.js";
import { ResourceService, type Outcome } from "./resource-service.js";
import { zoneTokenRoutes } from "./zone-token-routes.js";

type AppEnv = { Bindings: Env };
const DEFAULT_MAX_BODY = 1024 * 1024;

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

app.use("/v1/*", async (c, next) => {
  const max = Number(c.env.MAX_BODY_BYTES ?? DEFAULT_MAX_BODY) || DEFAULT_MAX_BODY;
  return bodyLimit({
    maxSize: max,
    onError: () => {
      throw new ApiError("payload_too_large", `request body over ${max} bytes`, { hint: "split the bundle into several requests" });
    },
  })(c, next);
});

app.get("/healthz", (c) => c.json({ ok: true }));

app.get("/v1/events", (c) => {
  if (!c.env.EVENTS) throw new ApiError("not_found", "this deployment has no event stream (EVENTS binding)");
  return c.env.EVENTS.get(c.env.EVENTS.idFromName("events")).fetch(c.req.raw);
});

app.get("/v1/revision", async (c) => c.json({ revision: await store(c).head() }));

app.get("/v1/openapi.json", (c) => c.json(openApiDocument()));

// Before the generic routes: "history", "diff" and "rollback" are not kinds or names.
app.route("/", historyRoutes);
app.route("/", inventoryRoutes);
app.route("/", statusRoutes);
app.route("/", zoneTokenRoutes);

// ---- zones: the bridge connection and the Zone resources -----------------

app.get("/v1/zones/:zone/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("invalid_body", "this endpoint takes a WebSocket upgrade", { hint: "bridges connect here; see src/xds-bridge" });
  }
  const zone = zoneName(c);
  // Best effort: a bridge must be able to reach its zone while D1 is down.
  c.executionCtx.waitUntil(recordZoneSeen(c.env.DB, zone).catch((e: unknown) => console.error(`zones_seen ${zone}: ${String(e)}`)));
  return c.env.ZONES.get(c.env.ZONES.idFromName(zone)).fetch(c.req.raw);
});

app.get("/v1/zones/:zone/status", async (c) => {
  const zone = zoneName(c);
  return c.json(await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).status());
});

app.get("/v1/meshes", (c) => list(c, "Mesh", ""));
app.get("/v1/zones/:name", (c) => getOne(c, { kind: "Zone", mesh: "", name: c.req.param("name") }));
app.get("/v1/meshes/:name", (c) => getOne(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));
app.put("/v1/zones/:name", (c) => putOne(c, { kind: "Zone", mesh: "", name: c.req.param("name") }));
app.put("/v1/meshes/:name", (c) => putOne(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));
app.delete("/v1/zones/:name", (c) => deleteOne(c, { kind: "Zone", mesh: "", name: c.req.param("name") }));
app.delete("/v1/meshes/:name", (c) => deleteOne(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));

// ---- mesh-scoped resources ------------------------------------------------

app.get("/v1/meshes/:mesh/:kinds", (c) => list(c, meshScopedKind(c.req.param("kinds") ?? ""), c.req.param("mesh")));
app.get("/v1/meshes/:mesh/:kinds/:name", (c) => getOne(c, meshKey(c)));
app.put("/v1/meshes/:mesh/:kinds/:name", (c) => putOne(c, meshKey(c)));
app.delete("/v1/meshes/:mesh/:kinds/:name", (c) => deleteOne(c, meshKey(c)));

app.post("/v1/apply", async (c) => {
  const docs = await readDocuments(c.req.raw, { multi: true });
  const dryRun = c.req.query("dryRun") === "true";
  const defaultMesh = c.req.query("mesh") ?? "default";
  if (!NAME_PATTERN.test(defaultMesh)) throw new ApiError("invalid_field", `mesh "${defaultMesh}" is not a valid name`, { field: "mesh" });
  const outcome = await service(c).applyDocuments(docs, { dryRun, defaultMesh });
  if (!dryRun) notify(c, outcome);
  return c.json({ dryRun, revision: outcome.revision ?? null, results: outcome.results });
});

// ---- handlers ---------------------------------------------------------------

async function list(c: Context<AppEnv>, kind: Kind, mesh: string): Promise<Response> {
  const items = await store(c).list(kind, mesh);
  return c.json({ kind: `${kind}List`, items: items.map((d) => d.resource) });
}

async function getOne(c: Context<AppEnv>, key: ResourceKey): Promise<Response> {
  const found = await store(c).get(key);
  if (!found) throw new ApiError("not_found", `${key.kind} "${key.name}" does not exist${key.mesh ? ` in mesh "${key.mesh}"` : ""}`);
  c.header("ETag", `"${found.revision}"`);
  return c.json(found.resource);
}

async function putOne(c: Context<AppEnv>, key: ResourceKey): Promise<Response> {
  const [doc] = await readDocuments(c.req.raw, { multi: false });
  const resource = ResourceService.validateAt(doc, key);
  const outcome = await service(c).put(resource, ifMatchRevision(c.req.header("if-match")));
  notify(c, outcome);
  const result = outcome.results[0]!;
  c.header("ETag", `"${result.revision}"`);
  const stored = await store(c).get(key);
  return c.json(stored?.resource ?? null, result.action === "created" ? 201 : 200);
}

async function deleteOne(c: Context<AppEnv>, key: ResourceKey): Promise<Response> {
  const outcome = await service(c).delete(key, ifMatchRevision(c.req.header("if-match")));
  notify(c, outcome);
  return c.json(outcome.results[0]);
}

/** Wakes the zones and tells the event stream, after the response is on its way. */
function notify(c: Context<AppEnv>, outcome: Outcome): void {
  if (outcome.revision === undefined) return;
  c.executionCtx.waitUntil(notifyZones(c.env, outcome.revision));
  const atMs = Date.now();
  const written = outcome.results
    .filter((r) => r.action !== "unchanged")
    .map((r) => ({ type: "written" as const, mesh: r.kind === "Mesh" ? r.name : r.mesh, kind: r.kind, name: r.name, revision: r.revision, atMs }));
  c.executionCtx.waitUntil(publishEvents(c.env, written));
}

function meshKey(c: Context<AppEnv>): ResourceKey {
  return { kind: meshScopedKind(c.req.param("kinds") ?? ""), mesh: c.req.param("mesh") ?? "", name: c.req.param("name") ?? "" };
}

function zoneName(c: Context<AppEnv>): string {
  const zone = c.req.param("zone") ?? "";
  if (!NAME_PATTERN.test(zone)) throw new ApiError("invalid_field", `zone name "${zone}" is not valid`, { field: "zone" });
  return zone;
}

function store(c: Context<AppEnv>): ResourceStore {
  return new ResourceStore(c.env.DB);
}

function service(c: Context<AppEnv>): ResourceService {
  return new ResourceService(store(c));
}
