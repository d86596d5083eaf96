/**
 * Mesh identity end to end (issue 11), every hop real: wrangler dev (the
 * mesh CA in D1, the zone signing CSRs), a bridge holding the keys and
 * writing the files, `edgeplane-bridge bootstrap` for each side, an
 * @grpc/grpc-js-xds XdsServer in its own process and an xDS client with a
 * bootstrap of its own. The mesh `secure` runs beside the demo mesh on the
 * same bridge. The processes start in a mesh without mTLS, as a new user's
 * do, and nothing is restarted after. The bridge also serves its TLS ADS
 * port with a certificate of `secure`'s CA: Envoy sidecars get SDS only
 * there, pinning the mesh's bundle and the bridge's SPIFFE ID.
 */
import * as grpc from "@grpc/grpc-js";
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoClient, type EchoReply } from "../../examples/echo/echo-backend.js";
import { startMesh, type Mesh } from "../../scripts/lib/local-mesh.js";
import { startMtlsPair, type MtlsPair, type ProxylessBootstrap } from "../../scripts/lib/mtls-pair.js";
import { readCertificate } from "../../src/contract/x509/certificates.js";
import { fromPem } from "../../src/contract/x509/pem.js";
import { fromBinary } from "@bufbuild/protobuf";
import { ListenerSchema } from "../../gen/envoy/config/listener/v3/listener_pb.js";
import { SecretSchema } from "../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { adminHeaders } from "../../scripts/lib/api-caller.js";
import { TYPE_URL } from "../../src/xds-bridge/xds-resources.js";
import { RawAdsClient } from "../node/support/raw-ads-client.js";
import { deltaNamesOf, RawDeltaClient } from "../node/support/raw-delta-client.js";

const MESH = "secure";
let mesh: Mesh;
let pair: MtlsPair;
let client: EchoClient;
let serverPort = 0;
let serverBootstrap: ProxylessBootstrap;

const meshDoc = (mode: string) => ({ kind: "Mesh", metadata: { name: MESH }, spec: { mtls: { mode, certTTL: "60s", rotateAt: 0.5 } } });

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not within ${ms} ms (last: ${String(last)})`);
}

/** Calls until the reply satisfies `pred`. */
function callUntil(what: string, pred: (r: EchoReply) => boolean, ms?: number): Promise<EchoReply> {
  return until(what, async () => {
    const r = await client.callFull("ping");
    return pred(r) ? r : undefined;
  }, ms);
}

function serialOf(certFile: string): string {
  return readCertificate(fromPem(readFileSync(certFile, "utf8"), "CERTIFICATE")[0]!).serial;
}

beforeAll(async () => {
  // The bridge's TLS ADS port carries a certificate of this mesh's CA (once mTLS is on): sidecars pin its bundle.
  mesh = await startMesh({ adsTlsMesh: MESH });
  // A new user's starting point: a mesh without mTLS, its processes bootstrapped already (the files come later).
  const created = await mesh.api("PUT", `/v1/meshes/${MESH}`, meshDoc("disabled"));
  if (created.status !== 201) throw new Error(`PUT mesh: ${created.status} ${JSON.stringify(created.body)}`);
  pair = await startMtlsPair(mesh, { meshName: MESH, server: "echo-mtls", client: "web", meshDoc });
  ({ client, serverPort, serverBootstrap } = pair);
}, 120_000);

afterAll(async () => {
  await pair?.stop();
  await mesh?.stop();
});

describe("turning mTLS on", () => {
  it("goes from plaintext to strict mTLS with no restart: the certificate files appear and the server sees the client's SPIFFE ID", async () => {
    expect((await callUntil("a plaintext call", (r) => r.backend === "echo-mtls-1")).message).toBe("plaintext");
    await pair.setMode("strict");
    const reply = await callUntil("an mTLS call", (r) => r.message !== "plaintext", 30_000);
    expect(reply).toEqual({ backend: "echo-mtls-1", message: `spiffe://${MESH}/web` });
    const files = serverBootstrap.certificate_providers.default.config;
    expect(statSync(files.private_key_file).mode & 0o777).toBe(0o600);
    expect(readCertificate(fromPem(readFileSync(files.certificate_file, "utf8"), "CERTIFICATE")[0]!).uris).toEqual([`spiffe://${MESH}/echo-mtls`]);
  }, 60_000);
});

/** What a sidecar pins to reach the TLS ADS port, from the bridge's admin `GET /ads-tls`, once its certificate is issued. */
async function adsTls(): Promise<{ address: string; spiffeId: string; caPem: string; caFile: string }> {
  return until("the TLS ADS port's certificate", async () => {
    const res = await fetch(`${mesh.adminUrl}/ads-tls`);
    const body = (await res.json()) as { address: string; port: number; spiffeId?: string; state?: string; trustBundleFile?: string };
    if (body.state !== "issued" || !body.spiffeId || !body.trustBundleFile) return undefined;
    expect(body.port).toBe(mesh.adsTlsPort);
    return { address: `127.0.0.1:${body.port}`, spiffeId: body.spiffeId, caPem: readFileSync(body.trustBundleFile, "utf8"), caFile: body.trustBundleFile };
  }, 30_000);
}

/** TLS to the bridge trusting `caPem` and accepting only a server certificate with the URI SAN `san` (what the sidecar bootstrap pins). */
function pinned(caPem: string, san: string): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(caPem), null, null, {
    checkServerIdentity: (_host, cert) =>
      (cert.subjectaltname ?? "").split(", ").includes(`URI:${san}`) ? undefined : new Error(`the ADS server is ${cert.subjectaltname}, not ${san}`),
  });
}

describe("Envoy sidecars over SDS", () => {
  /** The identity Secret of a response, read back: its certificate's serial and URI SANs. */
  function identityOf(resources: { typeUrl: string; value: Uint8Array }[]): { serial: string; uris: string[]; key: string } | undefined {
    for (const any of resources) {
      const secret = fromBinary(SecretSchema, any.value);
      if (secret.name !== "default" || secret.type.case !== "tlsCertificate") continue;
      const chain = secret.type.value.certificateChain?.specifier;
      const key = secret.type.value.privateKey?.specifier;
      if (chain?.case !== "inlineString" || key?.case !== "inlineString") return undefined;
      const facts = readCertificate(fromPem(chain.value, "CERTIFICATE")[0]!);
      return { serial: facts.serial, uris: facts.uris, key: key.value };
    }
    return undefined;
  }

  it("serves a sidecar its certificate, key and trust bundle over SDS (SotW and delta), and rotates them with a Secret push alone", async () => {
    const issued = await mesh.api("POST", `/v1/meshes/${MESH}/workload-tokens`, { service: "echo-mtls", ttlSeconds: 3600 });
    expect(issued.status).toBe(201);
    const node = (id: string) => ({ id, mesh: MESH, metadata: { proxyType: "sidecar", workload: "echo-mtls-1", token: String(issued.body.token) } });
    const tls = await adsTls();
    expect(tls.spiffeId).toBe(`spiffe://${MESH}/zone/default/bridge`);
    const caPem = await (await fetch(`${mesh.wrangler.url}/v1/meshes/${MESH}/ca`, { headers: adminHeaders(mesh.wrangler) })).text();
    expect(tls.caPem).toBe(caPem);
    // The port serves once the file watcher has read the certificate (within a second of its files): connect until it answers.
    const { sotw, lds } = await until("an LDS answer on the TLS ADS port", async () => {
      const c = RawAdsClient.connect(tls.address, node("sidecar-sds-sotw"), pinned(tls.caPem, tls.spiffeId));
      c.subscribe(TYPE_URL.listener);
      try {
        return { sotw: c, lds: await c.next(TYPE_URL.listener, undefined, 3_000) };
      } catch (err) {
        c.close();
        throw err;
      }
    }, 30_000);
    const delta = RawDeltaClient.connect(tls.address, node("sidecar-sds-delta"), pinned(tls.caPem, tls.spiffeId));
    try {
      sotw.ack(lds);
      const inbound = lds.resources.map((r) => fromBinary(ListenerSchema, r.value)).find((l) => l.name.startsWith("inbound:"));
      expect(inbound?.filterChains[0]?.transportSocket?.name).toBe("envoy.transport_sockets.tls");
      sotw.subscribe(TYPE_URL.secret, ["default", "ROOTCA"]);
      delta.subscribe(TYPE_URL.secret, ["default", "ROOTCA"]);
      const first = await sotw.next(TYPE_URL.secret, (r) => identityOf(r.resources) !== undefined);
      sotw.ack(first);
      const firstDelta = await delta.next(TYPE_URL.secret, (r) => identityOf(r.resources.flatMap((x) => (x.resource ? [x.resource] : []))) !== undefined);
      delta.ack(firstDelta);
      const issued = identityOf(first.resources)!;
      expect(issued.uris).toEqual([`spiffe://${MESH}/echo-mtls`]);
      expect(issued.key).toContain("BEGIN PRIVATE KEY");
      const bundle = fromBinary(SecretSchema, first.resources.find((r) => fromBinary(SecretSchema, r.value).name === "ROOTCA")!.value);
      expect(bundle.type.case === "validationContext" && bundle.type.value.trustedCa?.specifier.value).toBe(caPem);

      // certTTL 60s, rotateAt 0.5: a new certificate within about half a minute, pushed as Secrets only.
      const mark = sotw.received.length;
      const rotated = await sotw.next(TYPE_URL.secret, (r) => (identityOf(r.resources)?.serial ?? issued.serial) !== issued.serial, 60_000);
      sotw.ack(rotated);
      expect(identityOf(rotated.resources)!.uris).toEqual([`spiffe://${MESH}/echo-mtls`]);
      expect(sotw.received.slice(mark).map((r) => r.typeUrl).filter((t) => t !== TYPE_URL.secret)).toEqual([]);
      const rotatedDelta = await delta.next(TYPE_URL.secret, (r) => (identityOf(r.resources.flatMap((x) => (x.resource ? [x.resource] : [])))?.serial ?? issued.serial) !== issued.serial, 30_000);
      expect(deltaNamesOf(rotatedDelta)).toContain("default");
    } finally {
      sotw.close();
      delta.close();
    }
  }, 120_000);

  it("serves the same admitted sidecar nothing on the plaintext port: its secrets and token never travel in the clear", async () => {
    const issued = await mesh.api("POST", `/v1/meshes/${MESH}/workload-tokens`, { service: "echo-mtls", ttlSeconds: 3600 });
    const plain = RawAdsClient.connect(`127.0.0.1:${mesh.adsPort}`, { id: "sidecar-plaintext", mesh: MESH, metadata: { proxyType: "sidecar", workload: "echo-mtls-1", token: String(issued.body.token) } });
    try {
      plain.subscribe(TYPE_URL.listener);
      plain.subscribe(TYPE_URL.cluster);
      plain.subscribe(TYPE_URL.secret, ["default", "ROOTCA"]);
      await new Promise((r) => setTimeout(r, 3_000));
      expect(plain.received).toEqual([]);
      const withheld = await mesh.bridge.waitFor((e) => e.event === "proxy_withheld" && e.proxy === "sidecar-plaintext");
      expect(withheld).toMatchObject({ transport: "plaintext", reason: "sds_needs_tls_port" });
      expect(JSON.stringify(withheld)).not.toContain(String(issued.body.token));
    } finally {
      plain.close();
    }
  }, 30_000);

  it("fails the TLS handshake for a client that does not trust the mesh's bundle, or that pins another SAN", async () => {
    const tls = await adsTls();
    const node = { id: "sidecar-untrusting", mesh: MESH, metadata: { proxyType: "sidecar", workload: "echo-mtls-1" } };
    for (const creds of [grpc.credentials.createSsl(), pinned(tls.caPem, `spiffe://${MESH}/echo-mtls`)]) {
      const c = RawAdsClient.connect(tls.address, node, creds);
      try {
        c.subscribe(TYPE_URL.listener);
        await expect(c.next(TYPE_URL.listener, undefined, 10_000)).rejects.toThrow(/ended \(14/);
        expect((await c.ended).code).toBe(grpc.status.UNAVAILABLE);
      } finally {
        c.close();
      }
    }
  }, 30_000);
});

describe("the TLS ADS port's own certificate", () => {
  /** The serial of the certificate the TLS ADS port presents to a new connection. */
  async function servedSerial(tls: { address: string; caPem: string }): Promise<string> {
    let serial = "";
    const creds = grpc.credentials.createSsl(Buffer.from(tls.caPem), null, null, {
      checkServerIdentity: (_host, cert) => {
        serial = cert.serialNumber;
        return undefined;
      },
    });
    // A proxyless node without a token in a strict mesh is served nothing: only the handshake matters here.
    const c = RawAdsClient.connect(tls.address, { id: "serial-probe", mesh: MESH }, creds);
    try {
      c.subscribe(TYPE_URL.listener);
      return await until("a TLS handshake", async () => (serial === "" ? undefined : serial), 10_000);
    } finally {
      c.close();
    }
  }

  it("is renewed (certTTL 60s) and served without a restart", async () => {
    const tls = await adsTls();
    const certFile = join(dirname(tls.caFile), "cert.pem");
    const fileSerial = () => new X509Certificate(readFileSync(certFile)).serialNumber;
    const before = fileSerial();
    expect(await servedSerial(tls)).toBe(before);
    const renewed = await until("a renewed bridge certificate", async () => (fileSerial() !== before ? fileSerial() : undefined), 60_000);
    // The file watcher reads the files once a second.
    await until("the renewed certificate served", async () => ((await servedSerial(tls)) === renewed ? true : undefined), 10_000);
  }, 90_000);
});

describe("strict mTLS between proxyless gRPC processes", () => {
  it("refuses a plaintext client at the server's port", async () => {
    const plain = new EchoClient(`127.0.0.1:${serverPort}`, { deadlineMs: 3_000 });
    try {
      await expect(plain.call()).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    } finally {
      plain.close();
    }
  });

  it("rotates both certificates before expiry (60s TTL, twice) while calls keep succeeding", async () => {
    const certFile = serverBootstrap.certificate_providers.default.config.certificate_file;
    const serials = [serialOf(certFile)];
    let failures = 0;
    let calls = 0;
    const deadline = Date.now() + 100_000;
    while (serials.length < 3 && Date.now() < deadline) {
      try {
        const r = await client.callFull("ping");
        expect(r.message).toBe(`spiffe://${MESH}/web`);
        calls++;
      } catch {
        failures++;
      }
      const now = serialOf(certFile);
      if (now !== serials.at(-1)) serials.push(now);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(serials).toHaveLength(3);
    expect(new Set(serials).size).toBe(3);
    expect(calls).toBeGreaterThan(50);
    expect(failures).toBe(0);
  }, 120_000);

  it("a Deny TrafficPermission turns the calls into PERMISSION_DENIED, and deleting it restores them, with no restart", async () => {
    const deny = { kind: "TrafficPermission", metadata: { name: "no-web", mesh: MESH }, spec: { targetRef: { kind: "Service", name: "echo-mtls" }, rules: [{ from: [{ kind: "Service", name: "web" }], action: "Deny" }] } };
    const path = `/v1/meshes/${MESH}/trafficpermissions/no-web`;
    expect((await mesh.api("PUT", path, deny)).status).toBe(201);
    const code = await until("a refused call", async () => {
      try {
        await client.call();
        return undefined;
      } catch (err) {
        return (err as { code?: number }).code;
      }
    });
    expect(code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await mesh.api("DELETE", path)).status).toBe(200);
    const back = await callUntil("calls allowed again", (r) => r.backend === "echo-mtls-1");
    expect(back.message).toBe(`spiffe://${MESH}/web`);
  }, 60_000);

  it("keeps calls working through strict -> permissive -> disabled", async () => {
    await pair.setMode("permissive");
    // Permissive, applied by the server: still TLS from the client (its certificate is no longer required); calls keep working.
    const permissive = await callUntil("a call in permissive", (r) => r.backend === "echo-mtls-1");
    expect(permissive.message).toBe(`spiffe://${MESH}/web`);
    await pair.setMode("disabled");
    const plaintext = await callUntil("a plaintext call once mTLS is disabled", (r) => r.message === "plaintext");
    expect(plaintext.backend).toBe("echo-mtls-1");
  }, 60_000);
});
