import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../../src/api/app.js";
import { ECDSA_SHA256, EC_P256, generateKeyPair, readCertificate, selfSignedRoot, signLeaf, verifySignature } from "../../src/contract/x509/certificates.js";
import { fromPem, toPem } from "../../src/contract/x509/pem.js";
import { openKey } from "../../src/global/ca-vault.js";
import { signingRoot, trustBundle, ZONE_CA_CACHE_MS } from "../../src/global/mesh-ca.js";
import { call, journalHead, withToken } from "./api-helpers.js";

/** A mesh's CA: made when mTLS is first enabled, its bundle readable, its key sealed. */

let meshName = "default";
let meshes = 0;
beforeEach(() => {
  meshName = `ca-${++meshes}`;
});
const mesh = (mode: string, certTTL = "24h") => ({ kind: "Mesh", metadata: { name: meshName }, spec: { mtls: { mode, certTTL } } });

async function bundle(name = meshName): Promise<Response> {
  return fetchApi(`/v1/meshes/${name}/ca`);
}

async function fetchApi(path: string, init: RequestInit = {}, bindings: object = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(path, { ...init, headers: await withToken((init.headers as Record<string, string> | undefined) ?? {}) }, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The body as text (workerd warns on .text() of a type it does not know as text). */
async function pemOf(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

async function allD1Text(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    parts.push(JSON.stringify(rows.results));
  }
  return parts.join("\n");
}

function encodings(bytes: Uint8Array): string[] {
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const b64 = btoa(binary);
  // A 32-byte run of the key (its private scalar sits inside the PKCS#8) in each encoding, not only the whole blob.
  const inner = bytes.slice(bytes.length - 100, bytes.length - 68);
  let innerBinary = "";
  for (const b of inner) innerBinary += String.fromCharCode(b);
  return [hex, hex.toUpperCase(), b64, b64.slice(8, 60), btoa(innerBinary).slice(0, 40), [...inner].map((b) => b.toString(16).padStart(2, "0")).join("")];
}

describe("mesh CA", () => {
  it("is made when mTLS is enabled: GET /ca answers a P-256 CA root whose key opens only with the Worker secret", async () => {
    expect((await bundle()).status).toBe(404);
    expect((await call("PUT", `/v1/meshes/${meshName}`, mesh("strict"))).status).toBe(201);
    const res = await bundle();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/pem-certificate-chain");
    const ders = fromPem(await pemOf(res), "CERTIFICATE");
    expect(ders).toHaveLength(1);
    const root = readCertificate(ders[0]!);
    expect(root.isCa).toBe(true);
    expect(root.commonName).toContain(meshName);
    expect(await verifySignature(ders[0]!, root.spki)).toBe(true);

    // The opened key is the root's: what it signs verifies under the published certificate.
    const signer = await signingRoot(env, meshName);
    expect(signer?.id).toBe(root.serial);
    const data = new TextEncoder().encode("proof");
    const sig = await crypto.subtle.sign(ECDSA_SHA256, signer!.key, data);
    const pub = await crypto.subtle.importKey("spki", root.spki, EC_P256, false, ["verify"]);
    expect(await crypto.subtle.verify(ECDSA_SHA256, pub, sig, data)).toBe(true);
    // Under another secret, or moved to another mesh, the sealed key does not open.
    const row = await env.DB.prepare("SELECT key_sealed FROM mesh_cas WHERE mesh = ?").bind(meshName).first<{ key_sealed: string }>();
    expect(await openKey("another-secret", { mesh: meshName, id: root.serial }, row!.key_sealed)).toBeUndefined();
    expect(await openKey(env.MESH_CA_SECRET!, { mesh: "elsewhere", id: root.serial }, row!.key_sealed)).toBeUndefined();
  });

  it("keeps the private key out of D1 in every plain encoding, and out of every answer", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("permissive"));
    const row = await env.DB.prepare("SELECT id, key_sealed FROM mesh_cas WHERE mesh = ?").bind(meshName).first<{ id: string; key_sealed: string }>();
    const pkcs8 = new Uint8Array((await openKey(env.MESH_CA_SECRET!, { mesh: meshName, id: row!.id }, row!.key_sealed))!);
    expect(pkcs8.length).toBeGreaterThan(100);
    const stored = await allD1Text();
    expect(stored).toContain(row!.key_sealed);
    const answers = [await pemOf(await bundle()), JSON.stringify((await call("GET", `/v1/meshes/${meshName}`)).body), JSON.stringify((await call("GET", `/v1/meshes/${meshName}/history`)).body)];
    for (const text of encodings(pkcs8)) {
      expect(stored.includes(text), `D1 holds the key as ${text.slice(0, 12)}...`).toBe(false);
      for (const a of answers) expect(a.includes(text)).toBe(false);
    }
  });

  it("keeps one root when mTLS is switched off and on again, and a dry run makes none", async () => {
    const dry = await fetchApi(`/v1/apply?dryRun=true`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([mesh("strict")]) });
    expect(dry.status).toBe(200);
    expect((await bundle()).status).toBe(404);
    await call("PUT", `/v1/meshes/${meshName}`, mesh("strict"));
    const first = readCertificate(fromPem(await pemOf(await bundle()), "CERTIFICATE")[0]!).serial;
    await call("PUT", `/v1/meshes/${meshName}`, mesh("disabled"));
    await call("PUT", `/v1/meshes/${meshName}`, mesh("strict"));
    const again = fromPem(await pemOf(await bundle()), "CERTIFICATE");
    expect(again.map((d) => readCertificate(d).serial)).toEqual([first]);
  });

  it("answers 404 with a hint for a mesh without mTLS, and for no mesh", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("disabled"));
    const res = await bundle();
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found", hint: expect.stringContaining("spec.mtls.mode") });
    expect((await bundle("no-such-mesh")).status).toBe(404);
  });

  it("refuses to enable mTLS on a Worker without MESH_CA_SECRET, writing nothing", async () => {
    const before = await journalHead();
    const res = await fetchApi(
      `/v1/meshes/${meshName}`,
      { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(mesh("strict")) },
      { ...env, MESH_CA_SECRET: undefined },
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: "not_configured", field: "spec.mtls.mode", hint: expect.stringContaining("MESH_CA_SECRET") });
    expect(await journalHead()).toBe(before);
    expect((await call("GET", `/v1/meshes/${meshName}`)).status).toBe(404);
  });

  it("answers 401 without a token (roles per route: access.test.ts)", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("strict"));
    expect((await fetchApi(`/v1/meshes/${meshName}/ca`, { headers: { authorization: "" } })).status).toBe(401);
  });
});

describe("mesh CA rotation", () => {
  const HOUR = 3_600_000;
  const rotate = (body?: unknown) =>
    fetchApi(`/v1/meshes/${meshName}/ca/rotate`, { method: "POST", headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const ids = async (now: number) => (await trustBundle(env, meshName, now)).roots.map((r) => r.id);

  it("adds the new root to the bundle at once, signs with it after certTTL, and drops the old root when its last leaf expired", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("strict", "1h"));
    const t0 = Date.now();
    const old = (await signingRoot(env, meshName, t0))!.id;
    const res = await rotate();
    expect(res.status).toBe(201);
    const body = (await res.json()) as { roots: { id: string; signFrom: string; retireAt: string | null; origin: string }[] };
    expect(body.roots).toHaveLength(2);
    const fresh = body.roots.find((r) => r.id !== old)!;
    expect(fresh.origin).toBe("generated");
    const signFrom = Date.parse(fresh.signFrom);
    expect(signFrom - t0).toBeGreaterThanOrEqual(HOUR + ZONE_CA_CACHE_MS - 1_000);

    // Now: both trusted, the old one still signs (leaves renewing now learn the new root).
    expect(await ids(t0)).toEqual([old, fresh.id]);
    expect((await signingRoot(env, meshName, t0))!.id).toBe(old);
    expect(await pemRoots()).toHaveLength(2);
    // After certTTL (and the zones' cache): the new root signs; the old is still trusted for leaves it signed.
    const later = signFrom + 1;
    const signer = (await signingRoot(env, meshName, later))!;
    expect(signer.id).toBe(fresh.id);
    expect(await ids(later)).toEqual([old, fresh.id]);
    const leaf = await signLeaf({ issuerDer: signer.der, issuerKey: signer.key, subjectSpki: readCertificate(signer.der).spki, uri: `spiffe://${meshName}/echo`, commonName: "echo", notBefore: new Date(later), notAfter: new Date(later + HOUR) });
    expect(await verifySignature(leaf.der, readCertificate(signer.der).spki)).toBe(true);
    // Once every leaf the old root signed has expired, it leaves the bundle.
    const retired = Date.parse(body.roots.find((r) => r.id === old)!.retireAt!);
    expect(retired).toBeGreaterThanOrEqual(signFrom + HOUR);
    expect(await ids(retired - 1)).toEqual([old, fresh.id]);
    expect(await ids(retired + 1)).toEqual([fresh.id]);

    // One rotation at a time.
    const again = await rotate();
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "conflict", message: expect.stringContaining("rotating") });
  });

  it("imports a root with its key, and refuses one that is not a CA or whose key is not its own, storing nothing", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("strict", "1h"));
    const keys = await generateKeyPair();
    const now = Date.now();
    const root = await selfSignedRoot(keys, "corporate root", new Date(now - 60_000), new Date(now + 365 * 24 * HOUR));
    const keyPem = toPem((await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer, "PRIVATE KEY");
    const otherKey = toPem((await crypto.subtle.exportKey("pkcs8", (await generateKeyPair()).privateKey)) as ArrayBuffer, "PRIVATE KEY");
    const before = await ids(now);

    const refusals: [unknown, string, string][] = [
      [{ certificate: root.pem }, "missing_field", "privateKey"],
      [{ certificate: root.pem, privateKey: otherKey }, "invalid_field", "privateKey"],
      [{ certificate: "not pem", privateKey: keyPem }, "invalid_field", "certificate"],
      [{ certificate: root.pem, privateKey: keyPem, extra: 1 }, "unknown_field", "extra"],
    ];
    for (const [body, code, field] of refusals) {
      const res = await rotate(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(await res.json()).toMatchObject({ code, field });
    }
    expect(await ids(now)).toEqual(before);

    const res = await rotate({ certificate: root.pem, privateKey: keyPem });
    expect(res.status).toBe(201);
    const roots = ((await res.json()) as { roots: { id: string; origin: string }[] }).roots;
    expect(roots.map((r) => r.origin)).toEqual(["generated", "imported"]);
    expect(await pemRoots()).toContain(readCertificate(root.der).serial);
    // The imported key is sealed like a generated one: its bytes are nowhere in D1.
    const stored = await allD1Text();
    for (const text of encodings(new Uint8Array(fromPem(keyPem, "PRIVATE KEY")[0]!))) expect(stored.includes(text)).toBe(false);
    expect(stored.includes(keyPem.split("\n")[1]!)).toBe(false);
  });
});

async function pemRoots(): Promise<string[]> {
  return fromPem(await pemOf(await bundle()), "CERTIFICATE").map((d) => readCertificate(d).serial);
}
