import { EC_P256, ECDSA_SHA256, generateKeyPair, readCertificate, selfSignedRoot, type Key } from "../contract/x509/certificates.js";
import { fromPem } from "../contract/x509/pem.js";
import type { Env } from "../env.js";
import { MeshCaStore, type MeshCaRow } from "../store/mesh-ca-store.js";
import { openKey, sealKey } from "./ca-vault.js";

/** A generated root lives ten years; leaves (hours to days) are what rotate. */
const ROOT_LIFETIME_MS = 10 * 365 * 86_400_000;
/** How long a zone keeps an opened root and bundle (zone-do/certificate-signer.ts): rotation waits it out too. */
export const ZONE_CA_CACHE_MS = 60_000;

export type CaOutcome = { ok: true; created: boolean } | { ok: false; reason: "no_secret" };

/**
 * Gives `mesh` its CA the first time mTLS is enabled: an ECDSA P-256 root
 * made here with WebCrypto, its private key sealed (ca-vault.ts) before it
 * is stored. It signs at once. Idempotent, and two writers racing keep one root.
 *
 * @example await ensureMeshCa(env, "default") // { ok: true, created: true }
 */
export async function ensureMeshCa(env: Env, mesh: string, now = Date.now()): Promise<CaOutcome> {
  const store = new MeshCaStore(env.DB);
  if ((await store.roots(mesh)).length > 0) return { ok: true, created: false };
  if (!env.MESH_CA_SECRET) return { ok: false, reason: "no_secret" };
  const row = await generatedRoot(env.MESH_CA_SECRET, mesh, now, now);
  return { ok: true, created: await store.addFirst(row) };
}

export type RotateOutcome =
  | { ok: true; roots: RootView[] }
  | { ok: false; reason: "no_secret" | "no_ca" | "in_progress"; message: string };

export interface RootView {
  id: string;
  origin: string;
  notAfter: string;
  signFrom: string;
  retireAt: string | null;
}

/**
 * Starts a CA rotation: the new root (generated here, or `imported`) joins
 * the trust bundle now but signs only from `now + certTtl + cache`, by when
 * every leaf has been renewed at least once (renewal is before expiry) and
 * so came with a bundle that trusts it; the old root leaves the bundle
 * `certTtl` after that, when every leaf it signed has expired. One rotation
 * at a time.
 *
 * @example await rotateMeshCa(env, "default", 86_400_000)
 */
export async function rotateMeshCa(env: Env, mesh: string, certTtlMs: number, imported?: { certPem: string; pkcs8: ArrayBuffer }, now = Date.now()): Promise<RotateOutcome> {
  if (!env.MESH_CA_SECRET) return { ok: false, reason: "no_secret", message: "the control plane has no MESH_CA_SECRET" };
  const store = new MeshCaStore(env.DB);
  const roots = await store.roots(mesh);
  const current = roots.filter((r) => r.retireAt === null);
  if (current.length === 0) return { ok: false, reason: "no_ca", message: `mesh "${mesh}" has no CA: enable mTLS first` };
  if (current.some((r) => Date.parse(r.signFrom) > now)) {
    return { ok: false, reason: "in_progress", message: `mesh "${mesh}" is rotating its CA already; a root that does not sign yet is in its bundle` };
  }
  const signFrom = now + certTtlMs + ZONE_CA_CACHE_MS;
  const row = imported
    ? await importedRoot(env.MESH_CA_SECRET, mesh, imported, now, signFrom)
    : await generatedRoot(env.MESH_CA_SECRET, mesh, now, signFrom);
  await store.rotate(row, current.map((r) => r.id), new Date(signFrom + certTtlMs + ZONE_CA_CACHE_MS).toISOString());
  return { ok: true, roots: (await store.roots(mesh)).map(view) };
}

/**
 * The mesh's trust bundle at `now`: every root not yet retired (and not
 * expired), oldest first, as PEM. Empty when the mesh has no CA.
 */
export async function trustBundle(env: Env, mesh: string, now = Date.now()): Promise<{ pem: string; roots: RootView[] }> {
  const rows = (await new MeshCaStore(env.DB).roots(mesh)).filter((r) => trusted(r, now) && isCaPem(r.certPem));
  return { pem: rows.map((r) => r.certPem).join(""), roots: rows.map(view) };
}

/** The root that signs a mesh's new leaves: the newest one already signing, its key opened for this call only. */
export interface SigningRoot {
  id: string;
  der: Uint8Array;
  key: Key;
}

/**
 * Opens the root that signs at `now` (the newest whose signFrom passed);
 * undefined when the mesh has no CA or its key does not open under this
 * Worker's secret (a secret changed without re-sealing: the caller
 * refuses, nothing is issued).
 */
export async function signingRoot(env: Env, mesh: string, now = Date.now()): Promise<SigningRoot | undefined> {
  if (!env.MESH_CA_SECRET) return undefined;
  const rows = (await new MeshCaStore(env.DB).roots(mesh)).filter((r) => trusted(r, now) && Date.parse(r.signFrom) <= now);
  const newest = rows.sort((a, b) => Date.parse(a.signFrom) - Date.parse(b.signFrom)).at(-1);
  if (!newest) return undefined;
  const pkcs8 = await openKey(env.MESH_CA_SECRET, { mesh, id: newest.id }, newest.keySealed);
  if (!pkcs8) return undefined;
  const [der] = fromPem(newest.certPem, "CERTIFICATE");
  if (!der) return undefined;
  // Not extractable: the opened key cannot leave this isolate's WebCrypto.
  return { id: newest.id, der, key: await crypto.subtle.importKey("pkcs8", pkcs8, EC_P256, false, ["sign"]) };
}

export type ImportFault = { field: "certificate" | "privateKey"; message: string };

/**
 * Checks a root an admin imports: one PEM certificate that is a CA, valid
 * now and for at least `minLifetimeMs` more, and a PKCS#8 P-256 key that is
 * its own (what the key signs verifies under the certificate).
 */
export async function checkImportedRoot(certPem: string, keyPem: string, minLifetimeMs: number, now = Date.now()): Promise<{ ok: true; pkcs8: ArrayBuffer } | { ok: false; fault: ImportFault }> {
  const certs = fromPem(certPem, "CERTIFICATE");
  if (certs.length !== 1) return { ok: false, fault: { field: "certificate", message: `expected one PEM CERTIFICATE, found ${certs.length}` } };
  let facts;
  try {
    facts = readCertificate(certs[0]!);
  } catch {
    return { ok: false, fault: { field: "certificate", message: "the certificate does not parse as X.509" } };
  }
  if (!facts.isCa) return { ok: false, fault: { field: "certificate", message: "the certificate is not a CA (basicConstraints cA is not set)" } };
  if (facts.notBefore.getTime() > now || facts.notAfter.getTime() < now + minLifetimeMs) {
    return { ok: false, fault: { field: "certificate", message: `the certificate must be valid from now until at least ${new Date(now + minLifetimeMs).toISOString()}` } };
  }
  const [keyDer] = fromPem(keyPem, "PRIVATE KEY");
  if (!keyDer) return { ok: false, fault: { field: "privateKey", message: "expected a PEM PRIVATE KEY (PKCS#8)" } };
  const pkcs8 = keyDer.slice().buffer as ArrayBuffer;
  let key: Key;
  let pub: Key;
  try {
    key = await crypto.subtle.importKey("pkcs8", pkcs8, EC_P256, false, ["sign"]);
    pub = await crypto.subtle.importKey("spki", facts.spki, EC_P256, false, ["verify"]);
  } catch {
    return { ok: false, fault: { field: "privateKey", message: "the key (and the certificate's) must be ECDSA P-256" } };
  }
  const probe = new TextEncoder().encode("edgeplane ca import");
  if (!(await crypto.subtle.verify(ECDSA_SHA256, pub, await crypto.subtle.sign(ECDSA_SHA256, key, probe), probe))) {
    return { ok: false, fault: { field: "privateKey", message: "the key is not the certificate's" } };
  }
  return { ok: true, pkcs8 };
}

function trusted(r: MeshCaRow, now: number): boolean {
  return Date.parse(r.notAfter) > now && (r.retireAt === null || Date.parse(r.retireAt) > now);
}

function view(r: MeshCaRow): RootView {
  return { id: r.id, origin: r.origin, notAfter: r.notAfter, signFrom: r.signFrom, retireAt: r.retireAt };
}

async function generatedRoot(secret: string, mesh: string, now: number, signFrom: number): Promise<MeshCaRow> {
  const keys = await generateKeyPair();
  const root = await selfSignedRoot(keys, `edgeplane mesh ${mesh} root`, new Date(now - 60_000), new Date(now + ROOT_LIFETIME_MS));
  const pkcs8 = (await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer;
  return row(mesh, root.serial, root.pem, await sealKey(secret, { mesh, id: root.serial }, pkcs8), "generated", now, root.notAfter.toISOString(), signFrom);
}

async function importedRoot(secret: string, mesh: string, imported: { certPem: string; pkcs8: ArrayBuffer }, now: number, signFrom: number): Promise<MeshCaRow> {
  const facts = readCertificate(fromPem(imported.certPem, "CERTIFICATE")[0]!);
  // A serial is unique per issuer, not across imports: the id adds when it came.
  const id = `${facts.serial}-${now.toString(36)}`;
  return row(mesh, id, imported.certPem, await sealKey(secret, { mesh, id }, imported.pkcs8), "imported", now, facts.notAfter.toISOString(), signFrom);
}

function row(mesh: string, id: string, certPem: string, keySealed: string, origin: string, now: number, notAfter: string, signFrom: number): MeshCaRow {
  return { id, mesh, certPem, keySealed, origin, createdAt: new Date(now).toISOString(), notAfter, signFrom: new Date(signFrom).toISOString(), retireAt: null };
}

function isCaPem(pem: string): boolean {
  const [der] = fromPem(pem, "CERTIFICATE");
  try {
    return der !== undefined && readCertificate(der).isCa;
  } catch {
    return false;
  }
}
