/**
 * Two zones on one machine, for the multi-zone end-to-end test and the
 * failover benchmark: one wrangler dev (fault switch on), zones "a" and "b",
 * a bridge per zone with a token and a watched workloads directory holding
 * one real echo backend each, and Service "echo" declared through the API.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEchoBackend, type EchoBackend } from "../../examples/echo/echo-backend.js";
import { apiCaller } from "./api-caller.js";
import { freePort } from "./ports.js";
import { startBridge, startWrangler, type BridgeProcess, type Wrangler } from "./processes.js";
import { Teardown } from "./teardown.js";
import { issueZoneTokenFile } from "./zone-token.js";

export interface ZoneSide {
  zone: string;
  bridge: BridgeProcess;
  backend: EchoBackend;
  adsPort: number;
  workloadsDir: string;
  /** Rewrites this zone's workload file with the given health. */
  setHealth(health: "healthy" | "unhealthy"): Promise<void>;
}

export interface TwoZones {
  wrangler: Wrangler;
  a: ZoneSide;
  b: ZoneSide;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Starts both zones; if a step fails, what had started is stopped before the error is thrown. */
export async function startTwoZones(): Promise<TwoZones> {
  return new Teardown().starting(async (started) => {
    const dir = started.add(await mkdtemp(join(tmpdir(), "edgeplane-zones-")), (d) => rm(d, { recursive: true, force: true }));
    const wrangler = started.add(
      await startWrangler({ port: await freePort(), stateDir: join(dir, "state"), vars: { EDGEPLANE_FAULTS: "on" } }),
      (w) => w.stop(),
    );
    const api = apiCaller(wrangler);
    const svc = await api("PUT", "/v1/meshes/default/services/echo", { kind: "Service", metadata: { name: "echo" }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } });
    if (svc.status !== 201) throw new Error(`Service echo refused: ${JSON.stringify(svc.body)}`);

    const side = async (zone: string): Promise<ZoneSide> => {
      const backend = started.add(await startEchoBackend(`echo-${zone}`), (b) => b.close());
      const workloadsDir = join(dir, `workloads-${zone}`);
      await mkdir(workloadsDir, { recursive: true });
      const file = join(workloadsDir, "echo.yaml");
      const setHealth = (health: "healthy" | "unhealthy") =>
        writeFile(
          file,
          `kind: Workload\nmetadata:\n  name: echo-${zone}\nspec:\n  service: echo\n  address: 127.0.0.1\n  port: ${backend.port}\n  zone: ${zone}\n  health: ${health}\n`,
        );
      await setHealth("healthy");
      const token = await issueZoneTokenFile(wrangler, zone, join(dir, `${zone}.token`));
      const adsPort = await freePort();
      const bridge = started.add(
        await startBridge({
          zone,
          controlPlane: wrangler.url,
          adsPort,
          cacheDir: join(dir, `cache-${zone}`),
          extraArgs: ["--token-file", token.file, "--workloads-dir", workloadsDir],
        }),
        (b) => b.stop(),
      );
      return { zone, bridge, backend, adsPort, workloadsDir, setHealth };
    };
    const a = await side("a");
    const b = await side("b");
    // Each zone has learned the other's workload through the global plane.
    await Promise.all(
      [a, b].map((s) => s.bridge.waitFor((e) => e.event === "zone_endpoints_applied" && Number(e.workloads) >= 2, 30_000)),
    );
    return { wrangler, a, b, api, stop: () => started.run() };
  });
}
