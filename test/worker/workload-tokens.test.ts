/**
 * Workload tokens through the API and the zone protocol: issued to writers
 * of the mesh, stored by hash only, verifiable with the public key a zone
 * hands its bridges, and revocations pushed to connected bridges.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { claimsRefusal, parseWorkloadToken } from "../../src/contract/workload-token.js";
import type { AdmissionState } from "../../src/contract/zone-protocol/zone_pb.js";
import { call } from "./api-helpers.js";
import { apiToken } from "./api-token.js";
import type { ZoneSocket } from "./zone-socket.js";
import { connectedBridge } from "./connected-bridge.js";

let n = 0;
let mesh = "";
let zone = "";
beforeEach(async () => {
  n++;
  mesh = `wt-${n}`;
  zone = `wt-zone-${n}`;
  expect((await call("PUT", `/v1/meshes/${mesh}`, { kind: "Mesh", metadata: { name: mesh }, spec: {} })).status).toBe(201);
});

const bridge = (id = `bridge-${zone}`) => connectedBridge(zone, id);

async function admissionUntil(sock: ZoneSocket, pred: (a: AdmissionState) => boolean): Promise<AdmissionState> {
  for (let i = 0; i < 150; i++) {
    const hit = [...sock.admissions].reverse().find(pred);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no matching AdmissionState; got ${JSON.stringify(sock.admissions.map((a) => ({ keys: a.keys.map((k) => k.mesh), revoked: a.revoked })))}`);
}

async function verify(token: string, state: AdmissionState): Promise<boolean> {
  const parsed = parseWorkloadToken(token)!;
  const key = state.keys.find((k) => k.kid === parsed.claims.kid)!;
  const pub = await crypto.subtle.importKey("spki", key.spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, parsed.signature, parsed.signed);
}

describe("workload tokens", () => {
  it("issues a token to a writer of the mesh that verifies with the key the zone hands its bridges; D1 keeps only its hash", async () => {
    const sock = await bridge();
    const writer = await apiToken("writer", [mesh], { sub: "alice" });
    const res = await call("POST", `/v1/meshes/${mesh}/workload-tokens`, { service: "echo", ttlSeconds: 3600 }, { authorization: `Bearer ${writer}` });
    expect(res.status).toBe(201);
    const token = res.body.token as string;
    expect(res.body).toMatchObject({ mesh, service: "echo", zone: null, createdBy: "alice", revokedAt: null });
    expect(res.body.tokenHash).toBeUndefined();
    const claims = parseWorkloadToken(token)!.claims;
    expect(claims).toMatchObject({ id: res.body.id, mesh, service: "echo" });
    expect(claimsRefusal(claims, { mesh, service: "echo", zone }, new Set(), Date.now())).toBeUndefined();
    expect(claimsRefusal(claims, { mesh, service: "billing", zone }, new Set(), Date.now())).toBe("wrong_service");

    const state = await admissionUntil(sock, (a) => a.keys.some((k) => k.mesh === mesh));
    expect(await verify(token, state)).toBe(true);
    // A token with its service changed does not verify: the signature covers the claims.
    const [prefix, , sig] = token.split(".");
    const forgedPayload = btoa(JSON.stringify({ ...claims, service: "billing" })).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    expect(await verify(`${prefix}.${forgedPayload}.${sig}`, state)).toBe(false);

    const listed = await call("GET", `/v1/meshes/${mesh}/workload-tokens`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: res.body.id, service: "echo" })]);
    expect(JSON.stringify(listed.body)).not.toContain(token.split(".")[2]);
    const dump = JSON.stringify([
      (await env.DB.prepare("SELECT * FROM workload_tokens").all()).results,
      (await env.DB.prepare("SELECT * FROM workload_token_keys").all()).results,
    ]);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.split(".")[2]);
    sock.close();
  });

  it("pushes a revocation to the connected bridges, and a revoked id is listed as revoked", async () => {
    const sock = await bridge();
    const issued = await call("POST", `/v1/meshes/${mesh}/workload-tokens`, { service: "echo", zone, ttlSeconds: 600 });
    expect(issued.status).toBe(201);
    await admissionUntil(sock, (a) => a.keys.some((k) => k.mesh === mesh));
    expect((await call("DELETE", `/v1/meshes/${mesh}/workload-tokens/${issued.body.id}`)).body.revokedAt).toEqual(expect.any(String));
    const state = await admissionUntil(sock, (a) => a.revoked.includes(issued.body.id as string));
    expect(claimsRefusal(parseWorkloadToken(issued.body.token as string)!.claims, { mesh, service: "echo", zone }, new Set(state.revoked), Date.now())).toBe("token_revoked");
    expect((await call("DELETE", `/v1/meshes/${mesh}/workload-tokens/nope`)).status).toBe(404);
    // A new bridge gets the state with its Welcome.
    const late = await bridge(`late-${zone}`);
    await admissionUntil(late, (a) => a.revoked.includes(issued.body.id as string));
    sock.close();
    late.close();
  });

  it("refuses readers, other meshes' writers, unknown meshes and bad bodies, writing nothing", async () => {
    const reader = await apiToken("reader", [mesh]);
    const otherWriter = await apiToken("writer", ["default"]);
    const body = { service: "echo", ttlSeconds: 3600 };
    expect((await call("POST", `/v1/meshes/${mesh}/workload-tokens`, body, { authorization: `Bearer ${reader}` })).status).toBe(403);
    expect((await call("POST", `/v1/meshes/${mesh}/workload-tokens`, body, { authorization: `Bearer ${otherWriter}` })).status).toBe(403);
    expect((await call("GET", `/v1/meshes/${mesh}/workload-tokens`, undefined, { authorization: `Bearer ${reader}` })).status).toBe(200);
    expect((await call("POST", `/v1/meshes/nope-${n}/workload-tokens`, body)).status).toBe(404);
    const bad = await call("POST", `/v1/meshes/${mesh}/workload-tokens`, { service: "Not A Name", ttlSeconds: 3600 });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ field: "service" });
    const short = await call("POST", `/v1/meshes/${mesh}/workload-tokens`, { service: "echo", ttlSeconds: 5 });
    expect(short.status).toBe(422);
    expect(short.body).toMatchObject({ field: "ttlSeconds" });
    expect((await call("GET", `/v1/meshes/${mesh}/workload-tokens`)).body.items).toEqual([]);
  });
});
