/**
 * One local Edgeplane for an end-to-end test file or a benchmark, started and
 * stopped as a whole: the demo mesh with its bridge (local-mesh.ts), two zones
 * (two-zones.ts) or wrangler dev alone, a scratch directory, and optionally a
 * @grpc/grpc-js-xds client in this process. Anything a test starts on top of
 * it (more bridges, a child process) can be handed to it to stop as well.
 * Whatever step fails, `stop()` stops everything that had started.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EchoClient } from "../../examples/echo/echo-backend.js";
import { registerXdsClient } from "../../examples/echo/xds-bootstrap.js";
import { startMesh, type Mesh } from "./local-mesh.js";
import { freePort } from "./ports.js";
import { startBridge, startWrangler, type BridgeProcess, type Wrangler } from "./processes.js";
import { Teardown } from "./teardown.js";
import { startTwoZones, type TwoZones } from "./two-zones.js";

export interface LocalSystemSpec {
  /** What runs besides the scratch directory; nothing by default. */
  system?: "mesh" | "two-zones" | "wrangler";
  /**
   * A proxyless client of the (zone a) bridge, calling xds:///echo; with
   * `warm`, it makes one call at start, so it holds LDS, RDS, CDS and EDS
   * (a proxy the zone knows) before the first test.
   */
  xdsClient?: { nodeId: string; warm?: boolean };
}

interface Parts {
  dir?: string;
  mesh?: Mesh;
  zones?: TwoZones;
  wrangler?: Wrangler;
  client?: EchoClient;
}

/**
 * @example
 *   const sys = await new LocalSystem({ system: "mesh", xdsClient: { nodeId: "c1", warm: true } }).start();
 *   try { await sys.mesh.api("GET", "/v1/zones"); await sys.client.call(); } finally { await sys.stop(); }
 */
export class LocalSystem {
  private readonly started = new Teardown();
  private parts: Parts = {};

  constructor(private readonly spec: LocalSystemSpec) {}

  /**
   * Starts a system, runs `body` with it and stops it, whether `body` returned or threw.
   *
   * @example const ms = await LocalSystem.run({ system: "mesh" }, async (sys) => measure(sys.mesh));
   */
  static async run<T>(spec: LocalSystemSpec, body: (system: LocalSystem) => Promise<T>): Promise<T> {
    const system = await new LocalSystem(spec).start();
    try {
      return await body(system);
    } finally {
      await system.stop();
    }
  }

  /** Starts every part in order; if one fails, stops those already running and throws. */
  async start(): Promise<this> {
    await this.started.starting(async (t) => {
      const dir = t.add(await mkdtemp(join(tmpdir(), "edgeplane-local-")), (d) => rm(d, { recursive: true, force: true }));
      this.parts.dir = dir;
      let ads: string | undefined;
      if (this.spec.system === "mesh") {
        const mesh = t.add(await startMesh(), (m) => m.stop());
        this.parts = { ...this.parts, mesh, wrangler: mesh.wrangler };
        ads = `127.0.0.1:${mesh.adsPort}`;
      } else if (this.spec.system === "two-zones") {
        const zones = t.add(await startTwoZones(), (z) => z.stop());
        this.parts = { ...this.parts, zones, wrangler: zones.wrangler };
        ads = `127.0.0.1:${zones.a.adsPort}`;
      } else if (this.spec.system === "wrangler") {
        this.parts.wrangler = t.add(await startWrangler({ port: await freePort(), stateDir: join(dir, "state") }), (w) => w.stop());
      }
      if (this.spec.xdsClient) {
        if (!ads) throw new Error("LocalSystem: an xDS client needs a bridge (system mesh or two-zones)");
        t.add(await registerXdsClient({ serverAddress: ads, nodeId: this.spec.xdsClient.nodeId }), (boot) => boot.remove());
        const client = t.add(new EchoClient("xds:///echo"), (c) => c.close());
        this.parts.client = client;
        if (this.spec.xdsClient.warm) await client.call();
      }
    });
    return this;
  }

  /** A scratch directory, removed at stop. */
  get dir(): string {
    return this.part("dir");
  }

  get mesh(): Mesh {
    return this.part("mesh");
  }

  get zones(): TwoZones {
    return this.part("zones");
  }

  /** wrangler dev: the mesh's, the two zones', or the one started alone. */
  get wrangler(): Wrangler {
    return this.part("wrangler");
  }

  /** The grpc-js-xds client calling xds:///echo. */
  get client(): EchoClient {
    return this.part("client");
  }

  /** A bridge of `zone` against this system's wrangler dev, on a free port, stopped with the system. */
  async startBridge(opts: { zone: string; name: string; extraArgs: string[]; waitForZone: boolean }): Promise<BridgeProcess> {
    const bridge = await startBridge({
      zone: opts.zone,
      controlPlane: this.wrangler.url,
      adsPort: await freePort(),
      cacheDir: join(this.dir, `cache-${opts.name}`),
      extraArgs: opts.extraArgs,
      waitForZone: opts.waitForZone,
    });
    return this.track(bridge, (b) => b.stop());
  }

  /** Hands something a test started to the system, to stop (before what was started earlier) at `stop()`. */
  track<T>(value: T, stop: (value: T) => unknown): T {
    return this.started.add(value, stop);
  }

  /** Stops everything, newest first; safe to call after a failed or partial start. */
  async stop(): Promise<void> {
    await this.started.run();
  }

  private part<K extends keyof Parts>(name: K): NonNullable<Parts[K]> {
    const value = this.parts[name];
    if (value === undefined) throw new Error(`LocalSystem: no ${name} (not in the spec, or not started)`);
    // Checked just above; TypeScript does not narrow an indexed access of a type parameter.
    return value as NonNullable<Parts[K]>;
  }
}
