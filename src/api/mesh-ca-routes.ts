import { Hono } from "hono";
import { trustBundle } from "../global/mesh-ca.js";
import { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";
import type { AppEnv } from "./app-env.js";

/**
 * A mesh's trust bundle: `GET /v1/meshes/{mesh}/ca` answers the PEM of its
 * CA roots (never a key). The CA is made when a Mesh write enables mTLS
 * (commit-path.ts calls `meshCaAfterWrite`); a mesh whose mTLS was never
 * enabled has none (404).
 */
export const meshCaRoutes = new Hono<AppEnv>();

meshCaRoutes.get("/v1/meshes/:mesh/ca", async (c) => {
  const mesh = c.req.param("mesh");
  const stored = await new ResourceStore(c.env.DB).get({ kind: "Mesh", mesh: "", name: mesh });
  if (!stored) throw new ApiError("not_found", `mesh "${mesh}" does not exist`);
  const bundle = await trustBundle(c.env, mesh);
  if (bundle.roots.length === 0) {
    throw new ApiError("not_found", `mesh "${mesh}" has no CA`, { hint: "set spec.mtls.mode of the Mesh to permissive or strict; its CA is made then" });
  }
  // RFC 8555 names this type for a PEM chain; the charset tells clients (and workerd) it is text.
  c.header("content-type", "application/pem-certificate-chain; charset=utf-8");
  c.header("x-edgeplane-ca-roots", bundle.roots.map((r) => r.id).join(","));
  return c.body(bundle.pem);
});
