import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { startAdsServer, type AdsServer } from "../../../src/xds-bridge/xds/ads-server.js";
import { combineCallbacks } from "../../../src/xds-bridge/xds/proxy-callbacks.js";
import { ProxyTracker } from "../../../src/xds-bridge/xds/proxy-tracker.js";
import { Snapshot } from "../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../src/xds-bridge/xds/snapshot-cache.js";
import type { XdsResources } from "../../../src/xds-bridge/xds-resources.js";
import type { RawNode } from "./ads-stream-client.js";
import { CallbackRecorder } from "./callback-recorder.js";
import { RawAdsClient } from "./raw-ads-client.js";
import { RawDeltaClient } from "./raw-delta-client.js";

/**
 * The real serving core for the ADS tests of one file: a SnapshotCache, an
 * ADS server on a free port with a ProxyTracker and a CallbackRecorder as its
 * callbacks, what the server reported through onError, and the raw clients
 * the tests opened (so they can be cancelled whatever a test did).
 *
 * @example
 *   const fx = new AdsFixture();
 *   await fx.start();
 *   fx.setSnapshot("default", echoXdsResources({ backends: [{ port: 1111 }] }), "v1");
 *   const c = fx.sotw({ id: "p1" });
 *   await fx.close();
 */
export class AdsFixture {
  readonly cache = new SnapshotCache();
  readonly tracker = new ProxyTracker();
  readonly recorder = new CallbackRecorder();
  /** What the server reported through onError (bugs, throwing callbacks). */
  readonly serverErrors: unknown[] = [];
  /** The clients opened through `sotw`/`delta`/`track` and not cancelled yet. */
  readonly clients: (RawAdsClient | RawDeltaClient)[] = [];
  private server: AdsServer | undefined;

  async start(): Promise<void> {
    this.server = await startAdsServer({
      cache: this.cache,
      callbacks: combineCallbacks(this.tracker, this.recorder),
      onError: (err) => this.serverErrors.push(err),
    });
  }

  get ads(): AdsServer {
    if (!this.server) throw new Error("AdsFixture: start() first");
    return this.server;
  }

  /** Serves `resources` at `version` to the proxies of `mesh`. */
  setSnapshot(mesh: string, resources: XdsResources, version: string): Snapshot {
    const snapshot = new Snapshot(resources, version);
    this.cache.setSnapshot(mesh, snapshot);
    return snapshot;
  }

  /** A state-of-the-world client of this server (or of `address`), cancelled by `cancelClients`. */
  sotw(node: RawNode | undefined, address = this.ads.address): RawAdsClient {
    return this.track(RawAdsClient.connect(address, node));
  }

  /** A delta client of this server, cancelled by `cancelClients`. */
  delta(node: RawNode | undefined, address = this.ads.address): RawDeltaClient {
    return this.track(RawDeltaClient.connect(address, node));
  }

  /** Cancels every client opened since the last call. */
  cancelClients(): void {
    for (const c of this.clients.splice(0)) c.cancel();
  }

  async close(): Promise<void> {
    this.cancelClients();
    await this.server?.close();
  }

  private track<C extends RawAdsClient | RawDeltaClient>(client: C): C {
    this.clients.push(client);
    return client;
  }
}

/**
 * An AdsFixture for the calling test file: started before its first test,
 * closed after its last, clients cancelled after each test. With
 * `expectNoServerErrors`, a test after which the server has reported an
 * error fails.
 *
 * @example
 *   const fx = useAdsFixture({ expectNoServerErrors: true });
 *   it("answers", async () => { const c = fx.delta({ id: "p1" }); ... });
 */
export function useAdsFixture(options: { expectNoServerErrors: boolean }): AdsFixture {
  const fixture = new AdsFixture();
  beforeAll(() => fixture.start());
  afterEach(() => {
    fixture.cancelClients();
    if (options.expectNoServerErrors) expect(fixture.serverErrors).toEqual([]);
  });
  afterAll(() => fixture.close());
  return fixture;
}
