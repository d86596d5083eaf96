/**
 * Two proxyless gRPC processes of one mesh with mTLS, for the end-to-end test
 * and the identity benchmark: an @grpc/grpc-js-xds XdsServer in a process of
 * its own (examples/echo/xds-echo-server.ts) and an xDS client channel in
 * this process, each with the bootstrap `edgeplane-bridge bootstrap` printed
 * for its service, against the demo mesh's bridge. The services and their
 * Workloads are written here; the Mesh (and so the mTLS mode) is the caller's.
 */
import * as grpc from "@grpc/grpc-js";
import { register, XdsChannelCredentials } from "@grpc/grpc-js-xds";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { EchoClient } from "../../examples/echo/echo-backend.js";
import { journalRevisionOf } from "../../src/xds-bridge/xds/version-info.js";
import type { Mesh } from "./local-mesh.js";
import { freePort } from "./ports.js";
import { ROOT, spawnGroup, type Managed } from "./processes.js";

const LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";

export interface ProxylessBootstrap {
  node: { id: string };
  certificate_providers: { default: { config: { certificate_file: string; private_key_file: string; ca_certificate_file: string } } };
}

export interface MtlsPair {
  meshName: string;
  serverPort: number;
  serverBootstrap: ProxylessBootstrap;
  /** The client channel to xds:///<server service>. */
  client: EchoClient;
  /** Writes the Mesh with `mode` and waits until the server process ACKed the Listener of that revision. */
  setMode(mode: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startMtlsPair(mesh: Mesh, opts: { meshName: string; server: string; client: string; meshDoc: (mode: string) => unknown }): Promise<MtlsPair> {
  const serverPort = await freePort();
  const service = (name: string) => ({ kind: "Service", metadata: { name, mesh: opts.meshName }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } });
  const workload = (name: string, svc: string, port: number) => ({ kind: "Workload", metadata: { name, mesh: opts.meshName }, spec: { service: svc, address: "127.0.0.1", port, zone: "default" } });
  const docs = [service(opts.server), service(opts.client), workload(`${opts.server}-1`, opts.server, serverPort), workload(`${opts.client}-1`, opts.client, await freePort())];
  const applied = await mesh.api("POST", `/v1/apply?mesh=${opts.meshName}`, docs);
  if (applied.status !== 200) throw new Error(`apply: ${applied.status} ${JSON.stringify(applied.body)}`);

  const admin = new URL(mesh.adminUrl).host;
  const bootstrap = async (svc: string): Promise<string> => {
    // The token a writer of the mesh issues; the bridge registers the process and gives it an identity only with it.
    const issued = await mesh.api("POST", `/v1/meshes/${opts.meshName}/workload-tokens`, { service: svc, ttlSeconds: 3600 });
    if (issued.status !== 201) throw new Error(`workload token for ${svc}: ${issued.status} ${JSON.stringify(issued.body)}`);
    const args = ["--service", svc, "--mesh", opts.meshName, "--ads", `127.0.0.1:${mesh.adsPort}`, "--admin", admin, "--refresh-interval", "1s", "--workload-token", String(issued.body.token)];
    return (await promisify(execFile)(process.execPath, ["--import", "tsx", join(ROOT, "src/xds-bridge/main.ts"), "bootstrap", ...args], { cwd: ROOT, timeout: 60_000 })).stdout;
  };

  const serverJson = await bootstrap(opts.server);
  const file = join(mesh.dir, `bootstrap-${opts.meshName}-${opts.server}.json`);
  writeFileSync(file, serverJson);
  let serving: () => void = () => undefined;
  const bound = new Promise<void>((resolve) => (serving = resolve));
  const server: Managed = spawnGroup(process.execPath, ["--import", "tsx", join(ROOT, "examples/echo/xds-echo-server.ts"), "--address", `127.0.0.1:${serverPort}`, "--name", `${opts.server}-1`], {
    name: "xds-echo-server",
    env: { GRPC_XDS_BOOTSTRAP: file, GRPC_XDS_EXPERIMENTAL_RBAC: "true" },
    onLine: (line) => (line.startsWith("serving") ? serving() : process.stderr.write(`[xds-echo-server] ${line}\n`)),
  });
  let client: EchoClient | undefined;
  try {
    await Promise.race([bound, new Promise((_, reject) => setTimeout(() => reject(new Error("the XdsServer did not bind within 30 s")), 30_000))]);
    const clientJson = await bootstrap(opts.client);
    register();
    client = new EchoClient(`xds:///${opts.server}`, {
      deadlineMs: 5_000,
      credentials: new XdsChannelCredentials(grpc.credentials.createInsecure()),
      channelOptions: { "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": clientJson },
    });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const serverBootstrap = JSON.parse(serverJson) as ProxylessBootstrap;
  const liveClient = client;
  return {
    meshName: opts.meshName,
    serverPort,
    serverBootstrap,
    client: liveClient,
    setMode: async (mode) => {
      const res = await mesh.api("PUT", `/v1/meshes/${opts.meshName}`, opts.meshDoc(mode));
      if (res.status !== 200 && res.status !== 201) throw new Error(`PUT mesh: ${res.status} ${JSON.stringify(res.body)}`);
      const revision = Number((res.body.metadata as { revision: number }).revision);
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { items } = (await (await fetch(`${mesh.adminUrl}/proxies`)).json()) as { items: { proxyId: string; types: Record<string, { ackedVersion: string }> }[] };
        const acked = items.find((p) => p.proxyId === serverBootstrap.node.id)?.types[LISTENER]?.ackedVersion ?? "";
        if (journalRevisionOf(acked) >= revision) return;
        if (Date.now() > deadline) throw new Error(`the server did not ACK its ${mode} listener (revision ${revision}) within 20 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      liveClient.close();
      await server.stop();
    },
  };
}
