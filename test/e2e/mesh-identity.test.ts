/**
 * Mesh identity end to end (issue 11), every hop real: wrangler dev (the
 * mesh CA in D1, the zone signing CSRs), a bridge holding the keys and
 * writing the files, `edgeplane-bridge bootstrap` for each side, an
 * @grpc/grpc-js-xds XdsServer in its own process and an xDS client with a
 * bootstrap of its own. The mesh `secure` runs beside the demo mesh on the
 * same bridge.
 */
import * as grpc from "@grpc/grpc-js";
import { register, XdsChannelCredentials } from "@grpc/grpc-js-xds";
import { execFile } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoClient, type EchoReply } from "../../examples/echo/echo-backend.js";
import { readCertificate } from "../../src/contract/x509/certificates.js";
import { fromPem } from "../../src/contract/x509/pem.js";
import { startMesh, type Mesh } from "../../scripts/lib/local-mesh.js";
import { journalRevisionOf } from "../../src/xds-bridge/xds/version-info.js";
import { freePort } from "../../scripts/lib/ports.js";
import { ROOT, spawnGroup, type Managed } from "../../scripts/lib/processes.js";

const MESH = "secure";
const LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
let mesh: Mesh;
let serverPort = 0;
let server: Managed | undefined;
let client: EchoClient | undefined;
let serverBootstrap: { certificate_providers: { default: { config: { certificate_file: string; private_key_file: string } } } };

const meshDoc = (mode: string) => ({ kind: "Mesh", metadata: { name: MESH }, spec: { mtls: { mode, certTTL: "60s", rotateAt: 0.5 } } });
const service = (name: string) => ({ kind: "Service", metadata: { name, mesh: MESH }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } });
const workload = (name: string, svc: string, port: number) => ({ kind: "Workload", metadata: { name, mesh: MESH }, spec: { service: svc, address: "127.0.0.1", port, zone: "default" } });

async function bootstrap(svc: string): Promise<string> {
  const admin = new URL(mesh.adminUrl).host;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src/xds-bridge/main.ts"), "bootstrap", "--service", svc, "--mesh", MESH, "--ads", `127.0.0.1:${mesh.adsPort}`, "--admin", admin, "--refresh-interval", "1s"],
    { cwd: ROOT, timeout: 60_000 },
  );
  return stdout;
}

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
    const r = await client!.callFull("ping");
    return pred(r) ? r : undefined;
  }, ms);
}

/** Writes the Mesh in `mode` and waits until the server process ACKed the Listener of that revision. */
async function switchTo(mode: string): Promise<void> {
  const res = await mesh.api("PUT", `/v1/meshes/${MESH}`, meshDoc(mode));
  expect(res.status).toBe(200);
  const revision = Number((res.body.metadata as { revision: number }).revision);
  await until(`the server's ACK of its ${mode} listener`, async () => {
    const { items } = (await (await fetch(`${mesh.adminUrl}/proxies`)).json()) as { items: { proxyId: string; types: Record<string, { ackedVersion: string }> }[] };
    const acked = items.find((p) => p.proxyId.startsWith("echo-mtls-"))?.types[LISTENER]?.ackedVersion ?? "";
    return journalRevisionOf(acked) >= revision ? true : undefined;
  });
}

function serialOf(certFile: string): string {
  return readCertificate(fromPem(readFileSync(certFile, "utf8"), "CERTIFICATE")[0]!).serial;
}

beforeAll(async () => {
  mesh = await startMesh();
  serverPort = await freePort();
  for (const doc of [meshDoc("strict"), service("echo-mtls"), service("web"), workload("echo-mtls-1", "echo-mtls", serverPort), workload("web-1", "web", await freePort())]) {
    const path = doc.kind === "Mesh" ? `/v1/meshes/${MESH}` : `/v1/meshes/${MESH}/${doc.kind.toLowerCase()}s/${doc.metadata.name}`;
    const res = await mesh.api("PUT", path, doc);
    if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const serverJson = await bootstrap("echo-mtls");
  serverBootstrap = JSON.parse(serverJson) as typeof serverBootstrap;
  const file = join(mesh.dir, "server-bootstrap.json");
  writeFileSync(file, serverJson);
  let serving: () => void = () => undefined;
  const bound = new Promise<void>((resolve) => (serving = resolve));
  server = spawnGroup(process.execPath, ["--import", "tsx", join(ROOT, "examples/echo/xds-echo-server.ts"), "--address", `127.0.0.1:${serverPort}`, "--name", "echo-mtls-1"], {
    name: "xds-echo-server",
    env: { GRPC_XDS_BOOTSTRAP: file, GRPC_XDS_EXPERIMENTAL_RBAC: "true" },
    onLine: (line) => (line.startsWith("serving") ? serving() : process.stderr.write(`[xds-echo-server] ${line}\n`)),
  });
  await bound;
  const clientJson = await bootstrap("web");
  register();
  client = new EchoClient("xds:///echo-mtls", {
    deadlineMs: 5_000,
    credentials: new XdsChannelCredentials(grpc.credentials.createInsecure()),
    channelOptions: { "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": clientJson },
  });
}, 90_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  await mesh?.stop();
});

describe("strict mTLS between proxyless gRPC processes", () => {
  it("bootstraps both ends with their own files (0600) and the calls carry the client's SPIFFE ID", async () => {
    const key = serverBootstrap.certificate_providers.default.config.private_key_file;
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readCertificate(fromPem(readFileSync(serverBootstrap.certificate_providers.default.config.certificate_file, "utf8"), "CERTIFICATE")[0]!).uris).toEqual([`spiffe://${MESH}/echo-mtls`]);
    const reply = await callUntil("an mTLS call", (r) => r.backend === "echo-mtls-1", 30_000);
    expect(reply.message).toBe(`spiffe://${MESH}/web`);
  });

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
        const r = await client!.callFull("ping");
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
        await client!.call();
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
    await switchTo("permissive");
    // Permissive, applied by the server: still TLS from the client (its certificate is no longer required); calls keep working.
    const permissive = await callUntil("a call in permissive", (r) => r.backend === "echo-mtls-1");
    expect(permissive.message).toBe(`spiffe://${MESH}/web`);
    await switchTo("disabled");
    const plaintext = await callUntil("a plaintext call once mTLS is disabled", (r) => r.message === "plaintext");
    expect(plaintext.backend).toBe("echo-mtls-1");
  }, 60_000);
});
