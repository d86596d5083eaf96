/**
 * The zone's CSR path over a real bridge WebSocket: the zone signs for an
 * identity it decides (spiffe://<mesh>/<service>, a service with a workload
 * in the zone), refuses the rest with a code, and no private key reaches
 * D1, the zone's SQLite or a frame.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { generateKeyPair, readCertificate, verifySignature, type KeyPair } from "../../src/contract/x509/certificates.js";
import { createCsr } from "../../src/contract/x509/csr.js";
import { fromPem } from "../../src/contract/x509/pem.js";
import { AckState, type ZoneMessage } from "../../src/contract/zone-protocol/zone_pb.js";
import { call, service } from "./api-helpers.js";
import { ZoneSocket } from "./zone-socket.js";
import { connectedBridge } from "./connected-bridge.js";

let n = 0;
let mesh = "";
let zone = "";
beforeEach(() => {
  n++;
  mesh = `zc-${n}`;
  zone = `zc-zone-${n}`;
});

const encoder = new TextEncoder();

function workload(name: string, svc: string, inZone: string) {
  return { kind: "Workload", metadata: { name, mesh }, spec: { service: svc, address: "10.0.0.9", port: 7000, zone: inZone } };
}

async function meshWithEcho(mode = "strict", certTTL = "1h"): Promise<void> {
  expect((await call("PUT", `/v1/meshes/${mesh}`, { kind: "Mesh", metadata: { name: mesh }, spec: { mtls: { mode, certTTL, rotateAt: 0.8 } } })).status).toBe(201);
  for (const s of ["echo", "billing", "web"]) expect((await call("PUT", `/v1/meshes/${mesh}/services/${s}`, service(s, 50051, mesh))).status).toBe(201);
  expect((await call("PUT", `/v1/meshes/${mesh}/workloads/echo-1`, workload("echo-1", "echo", zone))).status).toBe(201);
  expect((await call("PUT", `/v1/meshes/${mesh}/workloads/billing-1`, workload("billing-1", "billing", "somewhere-else"))).status).toBe(201);
}

async function bridge(): Promise<ZoneSocket> {
  const sock = await connectedBridge(zone);
  await sock.nextEndpoints();
  return sock;
}

async function ask(sock: ZoneSocket, svc: string, opts: { keys?: KeyPair; csr?: Uint8Array; inMesh?: string; bridgeIdentity?: boolean } = {}): Promise<ZoneMessage["msg"]> {
  const csr = opts.csr ?? (await createCsr(opts.keys ?? (await generateKeyPair()), "whatever-the-bridge-claims"));
  const requestId = `r-${svc}-${Math.random()}`;
  sock.send({ case: "certificateRequest", value: { requestId, mesh: opts.inMesh ?? mesh, service: svc, csr, bridgeIdentity: opts.bridgeIdentity ?? false } });
  for (;;) {
    const m = await sock.next();
    if (m.msg.case !== "certificateIssued" && m.msg.case !== "certificateRefused") continue;
    expect(m.msg.value.requestId).toBe(requestId);
    return m.msg;
  }
}

describe("proxies with their identity", () => {
  it("lists each proxy's SPIFFE ID and the expiry of the certificate its bridge holds", async () => {
    await meshWithEcho();
    const sock = await bridge();
    const answer = await ask(sock, "echo");
    expect(answer.case).toBe("certificateIssued");
    if (answer.case !== "certificateIssued") return;
    const status = (proxyId: string, extra: Record<string, string>) => ({
      proxyId, mesh, typeUrl: "type.googleapis.com/envoy.config.listener.v3.Listener", state: AckState.ACK, revision: 1n, atMs: BigInt(Date.now()), ...extra,
    });
    sock.send({ case: "status", value: { proxies: [status("echo-proxy", { service: "echo" }), status("echo-sidecar", { workload: "echo-1" }), status("web-proxy", { service: "web" }), status("anon", {})], disconnected: [] } });
    const items = await until(async () => {
      const res = await call("GET", `/v1/meshes/${mesh}/proxies`);
      const list = res.body.items as { proxyId: string; identity?: string; certificateNotAfter?: string; certificateSerial?: string }[];
      return list.length === 4 ? list : undefined;
    });
    const byId = Object.fromEntries(items.map((i) => [i.proxyId, i]));
    const notAfter = new Date(Number(answer.value.notAfterMs)).toISOString();
    expect(byId["echo-proxy"]).toMatchObject({ identity: `spiffe://${mesh}/echo`, certificateNotAfter: notAfter, certificateSerial: answer.value.serial });
    // A sidecar names its Workload; its identity is that Workload's service.
    expect(byId["echo-sidecar"]).toMatchObject({ identity: `spiffe://${mesh}/echo`, certificateNotAfter: notAfter });
    // web has an identity but no certificate from this bridge; a proxy naming no service has neither.
    expect(byId["web-proxy"]!.identity).toBe(`spiffe://${mesh}/web`);
    expect(byId["web-proxy"]!.certificateNotAfter).toBeUndefined();
    expect(byId["anon"]!.identity).toBeUndefined();
    sock.close();
  });
});

async function until<T>(probe: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("not in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("zone certificate signing", () => {
  it("signs a CSR for a service with a workload in the zone: the SPIFFE ID the zone chose, the mesh's certTTL, renewal at rotateAt minus jitter", async () => {
    await meshWithEcho("strict", "1h");
    const sock = await bridge();
    const keys = await generateKeyPair();
    const answer = await ask(sock, "echo", { keys });
    expect(answer.case).toBe("certificateIssued");
    if (answer.case !== "certificateIssued") return;
    const issued = answer.value;
    const [leafDer] = fromPem(issued.certificatePem, "CERTIFICATE");
    const leaf = readCertificate(leafDer!);
    expect(leaf.uris).toEqual([`spiffe://${mesh}/echo`]);
    expect(leaf.commonName).toBe("echo");
    expect(leaf.isCa).toBe(false);
    expect(leaf.serial).toBe(issued.serial);
    // The certificate carries the requester's public key, and chains to the bundle the API publishes.
    expect(new Uint8Array(leaf.spki)).toEqual(new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer));
    const [rootDer] = fromPem(issued.trustBundlePem, "CERTIFICATE");
    expect(await verifySignature(leafDer!, readCertificate(rootDer!).spki)).toBe(true);
    const published = await env.DB.prepare("SELECT cert_pem FROM mesh_cas WHERE mesh = ?").bind(mesh).first<{ cert_pem: string }>();
    expect(issued.trustBundlePem).toBe(published!.cert_pem);

    const ttl = Number(issued.notAfterMs - issued.issuedAtMs);
    expect(ttl).toBe(3_600_000);
    expect(leaf.notAfter.getTime()).toBe(Math.floor(Number(issued.notAfterMs) / 1000) * 1000);
    const renewIn = Number(issued.renewAtMs - issued.issuedAtMs) / ttl;
    expect(renewIn).toBeGreaterThanOrEqual(0.8 * 0.95);
    expect(renewIn).toBeLessThanOrEqual(0.8);

    // Visibility: the zone lists what it issued, with the bridge that holds the key.
    const listed = await call("GET", `/v1/meshes/${mesh}/identities`);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ kind: "IdentityList", mesh });
    expect(listed.body.items).toEqual([
      { zone, service: "echo", spiffeId: `spiffe://${mesh}/echo`, serial: issued.serial, bridgeId: `bridge-${zone}`, issuedAtMs: Number(issued.issuedAtMs), notAfterMs: Number(issued.notAfterMs), notAfter: new Date(Number(issued.notAfterMs)).toISOString() },
    ]);
    sock.close();
  });

  it("signs for a service a bridge of the zone discovered (a proxy that declares it)", async () => {
    await meshWithEcho();
    const sock = await bridge();
    expect((await ask(sock, "web")).case).toBe("certificateRefused");
    const web = workload("web-1", "web", zone);
    sock.send({ case: "discovered", value: { workloads: [{ kind: "Workload", mesh, name: "web-1", document: encoder.encode(JSON.stringify(web)) }] } });
    await sock.nextEndpoints();
    const answer = await ask(sock, "web");
    expect(answer.case).toBe("certificateIssued");
    sock.close();
  });

  it("refuses, with a code and without signing, identities outside the zone, unknown meshes, meshes without mTLS and bad CSRs", async () => {
    await meshWithEcho();
    const sock = await bridge();
    const refusal = async (svc: string, opts: Parameters<typeof ask>[2] = {}) => {
      const a = await ask(sock, svc, opts);
      expect(a.case).toBe("certificateRefused");
      return a.case === "certificateRefused" ? a.value : undefined;
    };
    expect(await refusal("billing")).toMatchObject({ code: "identity_not_in_zone", message: expect.stringContaining(zone) });
    expect(await refusal("nobody")).toMatchObject({ code: "identity_not_in_zone" });
    expect(await refusal("echo", { inMesh: "no-such-mesh" })).toMatchObject({ code: "unknown_mesh" });
    expect(await refusal("echo", { csr: encoder.encode("not a CSR") })).toMatchObject({ code: "bad_csr", message: expect.stringContaining("malformed") });
    const tampered = await createCsr(await generateKeyPair(), "echo");
    tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 0xff;
    expect(await refusal("echo", { csr: tampered })).toMatchObject({ code: "bad_csr" });

    expect((await call("PUT", `/v1/meshes/${mesh}`, { kind: "Mesh", metadata: { name: mesh }, spec: { mtls: { mode: "disabled" } } })).status).toBe(200);
    await sock.nextUpdate();
    expect(await refusal("echo")).toMatchObject({ code: "mtls_disabled" });
    const issued = await runInDurableObject(env.ZONES.get(env.ZONES.idFromName(zone)), async (_obj, state) => state.storage.sql.exec("SELECT service FROM issued_certificates").toArray());
    expect(issued).toEqual([]);
    sock.close();
  });

  it("signs a bridge's own serving certificate: the SAN is its authenticated zone's bridge, never what the request or CSR names, and needs no workload", async () => {
    await meshWithEcho();
    const sock = await bridge();
    // The request names another zone's bridge and a service: the zone ignores both.
    const answer = await ask(sock, "zone/elsewhere/bridge", { bridgeIdentity: true, csr: await createCsr(await generateKeyPair(), "echo") });
    expect(answer.case).toBe("certificateIssued");
    if (answer.case !== "certificateIssued") return;
    const leaf = readCertificate(fromPem(answer.value.certificatePem, "CERTIFICATE")[0]!);
    expect(leaf.uris).toEqual([`spiffe://${mesh}/zone/${zone}/bridge`]);
    expect(leaf.isCa).toBe(false);
    expect(answer.value.service).toBe("zone/elsewhere/bridge"); // echoed for matching only
    const listed = await call("GET", `/v1/meshes/${mesh}/identities`);
    expect(listed.body.items).toEqual([expect.objectContaining({ zone, service: `zone/${zone}/bridge`, serial: answer.value.serial })]);
    sock.close();
  });

  it("refuses a bridge's serving certificate with mtls_disabled in a mesh without mTLS", async () => {
    await meshWithEcho("disabled");
    const sock = await bridge();
    const answer = await ask(sock, "", { bridgeIdentity: true });
    expect(answer.case).toBe("certificateRefused");
    expect(answer.case === "certificateRefused" && answer.value.code).toBe("mtls_disabled");
    sock.close();
  });

  it("keeps the bridge's private key out of D1, the zone's SQLite and the frames it carried", async () => {
    await meshWithEcho();
    const sock = await bridge();
    const keys = await generateKeyPair();
    const csr = await createCsr(keys, "echo");
    const answer = await ask(sock, "echo", { keys, csr });
    expect(answer.case).toBe("certificateIssued");
    const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer);
    // The private scalar: the 32 bytes after the OCTET STRING header inside the PKCS#8.
    const scalarAt = indexOf(pkcs8, [0x04, 0x20]);
    const scalar = pkcs8.slice(scalarAt + 2, scalarAt + 34);
    expect(scalar.length).toBe(32);
    const needles = [hex(scalar), b64(scalar).slice(0, 40), b64(pkcs8).slice(8, 60)];

    const zoneText = await runInDurableObject(env.ZONES.get(env.ZONES.idFromName(zone)), async (_obj, state) => {
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'").toArray();
      return tables.map((t) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray(), (_k, v: unknown) => (v instanceof ArrayBuffer ? hex(new Uint8Array(v)) : v))).join("\n");
    });
    // The dump reads what the zone stored: the issued certificate's serial is there, its key is not.
    expect(zoneText).toContain(answer.case === "certificateIssued" ? answer.value.serial : "(none)");
    const d1Tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    let d1Text = "";
    for (const { name } of d1Tables.results) d1Text += JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
    const frame = hex(csr) + b64(csr);
    for (const needle of needles) {
      expect(zoneText.includes(needle), "zone SQLite").toBe(false);
      expect(d1Text.includes(needle), "D1").toBe(false);
      expect(frame.includes(needle), "the CSR frame").toBe(false);
    }
    sock.close();
  });
});

function indexOf(bytes: Uint8Array, seq: number[]): number {
  outer: for (let i = 0; i + seq.length <= bytes.length; i++) {
    for (let j = 0; j < seq.length; j++) if (bytes[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
