import { Hono } from "hono";
import { parseOrThrow } from "../contract/schema-errors.js";
import { issueWorkloadToken, tellZones, WorkloadTokenError } from "../global/workload-tokens.js";
import { ResourceStore } from "../store/resource-store.js";
import { WorkloadTokenStore, type WorkloadTokenRecord } from "../store/workload-token-store.js";
import { principalOf } from "./access.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
import { readDocuments } from "./request-body.js";
import { workloadTokenRequest } from "./request-schemas.js";

/**
 * Workload tokens: what a proxy presents (node metadata `token`) to be
 * registered as an endpoint of a service and to get its identity. Issue
 * (the token is in this answer only), list, revoke; a revocation reaches
 * every zone, which pushes it to its bridges.
 *
 * @example
 * // POST   /v1/meshes/default/workload-tokens {"service":"echo","ttlSeconds":3600} -> 201 {id, mesh, service, token, expiresAt, ...}
 * // GET    /v1/meshes/default/workload-tokens                                    -> {kind, items: [...without tokens]}
 * // DELETE /v1/meshes/default/workload-tokens/{id}                               -> the record, revokedAt set
 */
export const workloadTokenRoutes = new Hono<AppEnv>();

workloadTokenRoutes.post("/v1/meshes/:mesh/workload-tokens", async (c) => {
  const mesh = await existingMesh(c);
  const [doc] = await readDocuments(c.req.raw, { multi: false });
  const body = parseOrThrow(workloadTokenRequest, doc);
  try {
    const { record, token } = await issueWorkloadToken(c.env, { mesh, service: body.service, ttlSeconds: body.ttlSeconds, by: principalOf(c).sub, ...(body.zone ? { zone: body.zone } : {}) });
    console.log(`workload token ${record.id} for ${mesh}/${record.service} issued by ${record.createdBy}`);
    return c.json({ ...publicView(record), token }, 201);
  } catch (err) {
    if (err instanceof WorkloadTokenError) {
      throw new ApiError(err.code === "not_configured" ? "not_configured" : "zone_unavailable", err.message, { hint: "set it with `wrangler secret put MESH_CA_SECRET`" });
    }
    throw err;
  }
});

workloadTokenRoutes.get("/v1/meshes/:mesh/workload-tokens", async (c) => {
  const mesh = await existingMesh(c);
  return c.json({ kind: "WorkloadTokenList", items: (await new WorkloadTokenStore(c.env.DB).list(mesh)).map(publicView) });
});

workloadTokenRoutes.delete("/v1/meshes/:mesh/workload-tokens/:id", async (c) => {
  const mesh = await existingMesh(c);
  const id = c.req.param("id");
  const record = await new WorkloadTokenStore(c.env.DB).revoke(mesh, id, new Date().toISOString());
  if (!record) throw new ApiError("not_found", `mesh "${mesh}" has no workload token "${id}"`, { hint: `GET /v1/meshes/${mesh}/workload-tokens lists them` });
  // D1 holds the revocation already; a zone that misses the call reads it at its next alarm.
  await tellZones(c.env);
  return c.json(publicView(record));
});

/** Never the token, never its hash. */
function publicView(r: WorkloadTokenRecord): Omit<WorkloadTokenRecord, "tokenHash"> {
  const { tokenHash: _hash, ...view } = r;
  return view;
}

async function existingMesh(c: ApiContext): Promise<string> {
  const mesh = c.req.param("mesh") ?? "";
  if (!(await new ResourceStore(c.env.DB).get({ kind: "Mesh", mesh: "", name: mesh }))) {
    throw new ApiError("not_found", `mesh "${mesh}" does not exist`, { field: "mesh" });
  }
  return mesh;
}
