import type { Env } from "../env.js";
import { signWorkloadToken, type WorkloadTokenClaims } from "../contract/workload-token.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import { WorkloadTokenStore, type WorkloadTokenKeyRecord, type WorkloadTokenRecord } from "../store/workload-token-store.js";
import { openKey, sealKey } from "./ca-vault.js";

/**
 * Issuing workload tokens (format in src/contract/workload-token.ts). Each
 * mesh has one ECDSA P-256 signing key, made with the mesh's first token;
 * its private half is stored only sealed under MESH_CA_SECRET, like the
 * mesh CA's. Zones learn the public keys and the revocations from D1 and
 * hand them to their bridges; `admissionChanged` tells them to look again.
 */

export class WorkloadTokenError extends Error {
  constructor(
    readonly code: "not_configured" | "unavailable",
    message: string,
  ) {
    super(message);
  }
}

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;

function keyOwner(mesh: string, kid: string): { mesh: string; id: string } {
  return { mesh, id: `workload-token-key/${kid}` };
}

async function signingKeyOf(env: Env, mesh: string, secret: string): Promise<{ kid: string; key: CryptoKey }> {
  const store = new WorkloadTokenStore(env.DB);
  let record: WorkloadTokenKeyRecord | undefined = await store.keyOf(mesh);
  if (!record) {
    const pair = (await crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"])) as CryptoKeyPair;
    const kid = crypto.randomUUID();
    const pkcs8 = (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer;
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
    record = await store.insertKey({
      kid,
      mesh,
      publicSpki: btoa(String.fromCharCode(...spki)),
      keySealed: await sealKey(secret, keyOwner(mesh, kid), pkcs8),
      createdAt: new Date().toISOString(),
    });
    // A new key is news for every zone (a concurrent first token may have won the insert: either way).
    await tellZones(env);
  }
  const pkcs8 = await openKey(secret, keyOwner(mesh, record.kid), record.keySealed);
  if (!pkcs8) throw new WorkloadTokenError("unavailable", `the workload token key of mesh "${mesh}" does not open with this MESH_CA_SECRET`);
  return { kid: record.kid, key: await crypto.subtle.importKey("pkcs8", pkcs8, ECDSA, false, ["sign"]) };
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A new token for `service` of `mesh`, stored by its hash. The token is in
 * the answer and nowhere else.
 *
 * @example const { record, token } = await issueWorkloadToken(env, { mesh: "default", service: "echo", ttlSeconds: 3600, by: "alice" });
 */
export async function issueWorkloadToken(
  env: Env,
  req: { mesh: string; service: string; zone?: string; ttlSeconds: number; by: string },
  nowMs = Date.now(),
): Promise<{ record: WorkloadTokenRecord; token: string }> {
  const secret = env.MESH_CA_SECRET;
  if (!secret) throw new WorkloadTokenError("not_configured", "the control plane has no MESH_CA_SECRET to seal the workload token key with");
  const { kid, key } = await signingKeyOf(env, req.mesh, secret);
  const claims: WorkloadTokenClaims = {
    id: crypto.randomUUID(),
    kid,
    mesh: req.mesh,
    service: req.service,
    exp: Math.floor(nowMs / 1000) + req.ttlSeconds,
    ...(req.zone !== undefined ? { zone: req.zone } : {}),
  };
  const token = await signWorkloadToken(key, claims);
  const record: WorkloadTokenRecord = {
    id: claims.id,
    mesh: req.mesh,
    service: req.service,
    zone: req.zone ?? null,
    tokenHash: await sha256Hex(token),
    createdAt: new Date(nowMs).toISOString(),
    createdBy: req.by,
    expiresAt: new Date(claims.exp * 1000).toISOString(),
    revokedAt: null,
  };
  await new WorkloadTokenStore(env.DB).insert(record);
  return { record, token };
}

/** Tells every known zone that keys or revocations changed; a zone that misses it reads them at its next alarm. */
export async function tellZones(env: Env): Promise<void> {
  const zones = await new ZoneRegistry(env.DB).names();
  const results = await Promise.allSettled(zones.map((z) => env.ZONES.get(env.ZONES.idFromName(z)).admissionChanged()));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`zone ${zones[i]}: admissionChanged failed: ${String(r.reason)}`);
  });
}
