import { EC_P256, generateKeyPair, readCertificate, selfSignedRoot, type Key } from "../contract/x509/certificates.js";
import { fromPem } from "../contract/x509/pem.js";
import type { Env } from "../env.js";
import { MeshCaStore } from "../store/mesh-ca-store.js";
import { openKey, sealKey } from "./ca-vault.js";

/** A generated root lives ten years; leaves (hours to days) are what rotate. */
const ROOT_LIFETIME_MS = 10 * 365 * 86_400_000;

export type CaOutcome = { ok: true; created: boolean } | { ok: false; reason: "no_secret" };

/**
 * Gives `mesh` its CA the first time mTLS is enabled: an ECDSA P-256 root
 * made here with WebCrypto, its private key sealed (ca-vault.ts) before it
 * is stored. Idempotent, and two writers racing keep one root.
 *
 * @example await ensureMeshCa(env, "default") // { ok: true, created: true }
 */
export async function ensureMeshCa(env: Env, mesh: string, now = Date.now()): Promise<CaOutcome> {
  const store = new MeshCaStore(env.DB);
  if ((await store.roots(mesh)).length > 0) return { ok: true, created: false };
  if (!env.MESH_CA_SECRET) return { ok: false, reason: "no_secret" };
  const keys = await generateKeyPair();
  const root = await selfSignedRoot(keys, `edgeplane mesh ${mesh} root`, new Date(now - 60_000), new Date(now + ROOT_LIFETIME_MS));
  const id = root.serial;
  const pkcs8 = (await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer;
  const created = await store.addFirst({
    id,
    mesh,
    certPem: root.pem,
    keySealed: await sealKey(env.MESH_CA_SECRET, { mesh, id }, pkcs8),
    origin: "generated",
    createdAt: new Date(now).toISOString(),
    notAfter: root.notAfter.toISOString(),
  });
  return { ok: true, created };
}

/**
 * The mesh's trust bundle: every root still valid, oldest first, as PEM.
 * Empty when the mesh has no CA.
 */
export async function trustBundle(env: Env, mesh: string, now = Date.now()): Promise<{ pem: string; roots: { id: string; notAfter: string; origin: string }[] }> {
  const rows = (await new MeshCaStore(env.DB).roots(mesh)).filter((r) => Date.parse(r.notAfter) > now);
  // The stored PEM is what was issued; read back to be sure it is a CA certificate before it goes out as trust.
  const trusted = rows.filter((r) => readCertificateFromPem(r.certPem));
  return { pem: trusted.map((r) => r.certPem).join(""), roots: trusted.map((r) => ({ id: r.id, notAfter: r.notAfter, origin: r.origin })) };
}

function readCertificateFromPem(pem: string): boolean {
  const [der] = fromPem(pem, "CERTIFICATE");
  try {
    return der !== undefined && readCertificate(der).isCa;
  } catch {
    return false;
  }
}

/** The root that signs a mesh's new leaves: the newest valid one, its key opened for this call only. */
export interface SigningRoot {
  id: string;
  der: Uint8Array;
  key: Key;
}

/**
 * Opens the newest valid root of `mesh` for signing; undefined when the mesh
 * has no CA or its key does not open under this Worker's secret (a secret
 * changed without re-sealing: the caller refuses, nothing is issued).
 */
export async function signingRoot(env: Env, mesh: string, now = Date.now()): Promise<SigningRoot | undefined> {
  if (!env.MESH_CA_SECRET) return undefined;
  const rows = (await new MeshCaStore(env.DB).roots(mesh)).filter((r) => Date.parse(r.notAfter) > now);
  const newest = rows[rows.length - 1];
  if (!newest) return undefined;
  const pkcs8 = await openKey(env.MESH_CA_SECRET, { mesh, id: newest.id }, newest.keySealed);
  if (!pkcs8) return undefined;
  const [der] = fromPem(newest.certPem, "CERTIFICATE");
  if (!der) return undefined;
  // Not extractable: the opened key cannot leave this isolate's WebCrypto.
  return { id: newest.id, der, key: await crypto.subtle.importKey("pkcs8", pkcs8, EC_P256, false, ["sign"]) };
}
