/**
 * A whole local Edgeplane for end-to-end tests and benchmarks: wrangler
 * dev (workerd, local D1 and Durable Objects), one bridge, real gRPC echo
 * backends and the demo mesh pointed at them. Every process is real.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEchoBackend, type EchoBackend } from "../../examples/echo/echo-backend.js";
import { journalRevisionOf } from "../../src/xds-bridge/xds/version-info.js";
import { startBridge, startWrangler, type BridgeEvent, type BridgeProcess, type Wrangler } from "./processes.js";
import { apiCaller } from "./api-caller.js";
import { freePort } from "./ports.js";
import { Teardown } from "./teardown.js";
import { issueZoneTokenFile } from "./zone-token.js";

export interface Mesh {
  dir: string;
  wrangler: Wrangler;
  bridge: BridgeProcess;
  backends: EchoBackend[];
  adsPort: number;
  /** The bridge's TLS-only ADS port for sidecars, when started with `adsTlsMesh`. */
  adsTlsPort: number | undefined;
  /** The bridge's admin endpoint (config_dump), http://127.0.0.1:PORT. */
  adminUrl: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Replaces the bridge, keeping its cache directory and ADS port. */
  restartBridge(controlPlane: string, waitForZone: boolean): Promise<BridgeProcess>;
  stop(): Promise<void>;
}

/** The demo mesh of examples/demo.yaml, with workloads at the given backend ports. */
export function demoBundle(v1Port: number, v2Port: number, weights: [number, number] = [80, 20]): unknown[] {
  const service = (name: string) => ({ kind: "Service", metadata: { name }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } });
  const workload = (name: string, svc: string, port: number) => ({
    kind: "Workload",
    metadata: { name },
    spec: { service: svc, address: "127.0.0.1", port, zone: "default" },
  });
  return [service("echo"), service("echo-v1"), service("echo-v2"), workload("echo-v1-a", "echo-v1", v1Port), workload("echo-v2-a", "echo-v2", v2Port), splitRoute(weights)];
}

export function splitRoute(weights: [number, number]) {
  return {
    kind: "HTTPRoute",
    metadata: { name: "echo-split" },
    spec: {
      parentRefs: [{ name: "echo", port: 50051 }],
      rules: [{ backendRefs: [{ name: "echo-v1", weight: weights[0] }, { name: "echo-v2", weight: weights[1] }], timeouts: { request: "5s" } }],
    },
  };
}

/**
 * Starts the demo mesh; if a step fails, what had started is stopped before the error is thrown.
 * `adsTlsMesh`: the bridge also serves a TLS ADS port (a free one) with a certificate of that mesh's CA.
 */
export async function startMesh(opts: { adsTlsMesh?: string } = {}): Promise<Mesh> {
  return new Teardown().starting(async (started) => {
    const dir = started.add(await mkdtemp(join(tmpdir(), "edgeplane-e2e-")), (d) => rm(d, { recursive: true, force: true }));
    const backends = [
      started.add(await startEchoBackend("echo-v1-a"), (b) => b.close()),
      started.add(await startEchoBackend("echo-v2-a"), (b) => b.close()),
    ];
    const wrangler = started.add(await startWrangler({ port: await freePort(), stateDir: join(dir, "state") }), (w) => w.stop());
    const api = apiCaller(wrangler);
    const applied = await api("POST", "/v1/apply", demoBundle(backends[0]!.port, backends[1]!.port));
    if (applied.status !== 200) throw new Error(`demo bundle refused: ${JSON.stringify(applied.body)}`);
    const adsPort = await freePort();
    const cacheDir = join(dir, "cache");
    // The zone requires a token in Hello; the bridge gets one issued through the API.
    const adminPort = await freePort();
    const adsTlsPort = opts.adsTlsMesh === undefined ? undefined : await freePort();
    const tokenArgs = [
      "--token-file",
      (await issueZoneTokenFile(wrangler, "default", join(dir, "zone-default.token"))).file,
      "--admin-port",
      String(adminPort),
      ...(adsTlsPort === undefined ? [] : ["--ads-tls-port", String(adsTlsPort), "--ads-tls-mesh", opts.adsTlsMesh!]),
    ];
    const mesh: Mesh = {
      dir,
      wrangler,
      backends,
      adsPort,
      adsTlsPort,
      adminUrl: `http://127.0.0.1:${adminPort}`,
      bridge: await startBridge({ zone: "default", controlPlane: wrangler.url, adsPort, cacheDir, extraArgs: tokenArgs }),
      api,
      async restartBridge(controlPlane, waitForZone) {
        await mesh.bridge.stop();
        mesh.bridge = await startBridge({ zone: "default", controlPlane, adsPort, cacheDir, waitForZone, extraArgs: tokenArgs });
        return mesh.bridge;
      },
      stop: () => started.run(),
    };
    // Whichever bridge is current at the end: restartBridge replaces it.
    started.defer(() => mesh.bridge.stop());
    return mesh;
  });
}

/** The bridge event saying `proxy` ACKed `typeSuffix` (e.g. "RouteConfiguration") at `revision` or later. */
export function ackOf(proxy: string, typeSuffix: string, revision: number): (e: BridgeEvent) => boolean {
  return (e) =>
    e.event === "ack" && e.proxy === proxy && String(e.type).endsWith(`.${typeSuffix}`) && journalRevisionOf(String(e.version)) >= revision;
}
