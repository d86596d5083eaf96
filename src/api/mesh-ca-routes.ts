import { Hono } from "hono";
import { parseDurationMs } from "../contract/duration.js";
import type { ResourceOf } from "../contract/resource-types.js";
import { parseOrThrow } from "../contract/schema-errors.js";
import { checkImportedRoot, rotateMeshCa, trustBundle } from "../global/mesh-ca.js";
import { ResourceStore } from "../store/resource-store.js";
import { ApiError } from "./api-error.js";
import { caRotateRequest } from "./request-schemas.js";
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

meshCaRoutes.post("/v1/meshes/:mesh/ca/rotate", async (c) => {
  const mesh = c.req.param("mesh");
  const stored = await new ResourceStore(c.env.DB).get({ kind: "Mesh", mesh: "", name: mesh });
  if (!stored) throw new ApiError("not_found", `mesh "${mesh}" does not exist`);
  const mtls = (stored.resource as ResourceOf<"Mesh">).spec.mtls;
  if (!mtls || mtls.mode === "disabled") throw new ApiError("conflict", `mesh "${mesh}" has mTLS disabled: there is no CA to rotate`, { hint: "set spec.mtls.mode to permissive or strict first" });
  const text = await c.req.text();
  const body = parseOrThrow(caRotateRequest, text.trim() === "" ? {} : parseJson(text));
  const ttlMs = parseDurationMs(mtls.certTTL ?? "24h") ?? 86_400_000;
  let imported: { certPem: string; pkcs8: ArrayBuffer } | undefined;
  if (body.certificate !== undefined || body.privateKey !== undefined) {
    if (body.certificate === undefined || body.privateKey === undefined) {
      throw new ApiError("missing_field", "an imported root needs both its certificate and its private key", { field: body.certificate === undefined ? "certificate" : "privateKey" });
    }
    // It must outlive the rotation (it signs from certTTL on) and a leaf lifetime after.
    const checked = await checkImportedRoot(body.certificate, body.privateKey, 3 * ttlMs);
    if (!checked.ok) throw new ApiError("invalid_field", checked.fault.message, { field: checked.fault.field, hint: "a CA certificate (PEM) and its ECDSA P-256 PKCS#8 key (PEM)" });
    imported = { certPem: body.certificate.trim() + "\n", pkcs8: checked.pkcs8 };
  }
  const outcome = await rotateMeshCa(c.env, mesh, ttlMs, imported);
  if (!outcome.ok) {
    if (outcome.reason === "no_secret") throw new ApiError("not_configured", outcome.message, { hint: "set it with `wrangler secret put MESH_CA_SECRET`" });
    throw new ApiError("conflict", outcome.message, { hint: outcome.reason === "in_progress" ? "wait until the new root signs (its signFrom)" : "enable mTLS on the mesh first" });
  }
  return c.json({ kind: "MeshCa", mesh, roots: outcome.roots }, 201);
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_body", "the body must be JSON: {} or {certificate, privateKey}");
  }
}
