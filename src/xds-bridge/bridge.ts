import { randomUUID } from "node:crypto";
import type { BridgeConfig } from "./bridge-config.js";
import type { Logger } from "./logger.js";
import { StateCache } from "./state-cache.js";
import { checkConsistency, translateMesh } from "./translate/index.js";
import { startAdsServer, type AdsServer } from "./xds/ads-server.js";
import { combineCallbacks, type ProxyCallbacks } from "./xds/proxy-callbacks.js";
import { ProxyTracker } from "./xds/proxy-tracker.js";
import { SnapshotCache } from "./xds/snapshot-cache.js";
import { Snapshot } from "./xds/snapshot.js";
import { ZoneClient } from "./zone-client.js";
import { ZoneMirror } from "./zone-mirror.js";

/**
 * One bridge: wiring only. The zone client fills the mirror; each applied
 * update is translated for the meshes it touched and published to the
 * snapshot cache the ADS server serves from; the proxy tracker's ACK/NACK
 * changes go back to the zone; every good state is saved to disk, and
 * loaded from there at start so proxies get config before the zone answers.
 *
 * @example const bridge = await Bridge.start(config, jsonLogger()); ... await bridge.stop();
 */
export class Bridge {
  readonly mirror = new ZoneMirror();
  readonly snapshots = new SnapshotCache();
  readonly tracker = new ProxyTracker();
  private zone!: ZoneClient;
  private ads!: AdsServer;
  private cache!: StateCache;
  private reportTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly config: BridgeConfig,
    private readonly log: Logger,
  ) {}

  static async start(config: BridgeConfig, log: Logger): Promise<Bridge> {
    const b = new Bridge(config, log);
    await b.init();
    return b;
  }

  get adsAddress(): string {
    return this.ads.address;
  }

  private async init(): Promise<void> {
    const { config, log } = this;
    this.cache = new StateCache(config.cacheDir, config.zone);
    try {
      const cached = await this.cache.load();
      if (cached) {
        this.mirror.restore(cached.model, cached.checksum, cached.quarantine);
        this.publish(new Set(cached.model.meshes()));
        log.info("cache_loaded", { path: this.cache.path, revision: cached.model.revision });
      }
    } catch (err) {
      log.error("cache_unreadable", { error: String(err) });
    }

    this.ads = await startAdsServer({
      host: config.adsHost,
      port: config.adsPort,
      cache: this.snapshots,
      callbacks: combineCallbacks(this.tracker, this.logCallbacks()),
      onError: (err, context) => log.error("ads_error", { context, error: String(err) }),
    });
    log.info("ads_listening", { address: this.ads.address });

    this.zone = new ZoneClient({
      controlPlane: config.controlPlane,
      zone: config.zone,
      bridgeId: config.bridgeId ?? `bridge-${randomUUID()}`,
      ...(config.token === undefined ? {} : { token: config.token }),
      mirror: this.mirror,
      log,
      onApplied: (result) => {
        this.publish(result.meshes);
        this.cache.save(this.mirror.model, this.mirror.checksum, this.mirror.quarantine);
        log.info("zone_update_applied", { revision: result.revision, snapshot: result.snapshot, meshes: [...result.meshes] });
      },
    });
    this.zone.start();
    this.reportTimer = setInterval(() => this.reportStatus(), config.reportEveryMs);
  }

  /** Translates the touched meshes and swaps their snapshots in. */
  private publish(meshes: Set<string>): void {
    const model = this.mirror.model;
    const version = String(model.revision);
    for (const mesh of meshes) {
      const resources = translateMesh(model, mesh);
      const problems = checkConsistency(resources);
      if (problems.length > 0) {
        // Keep serving the previous snapshot rather than a broken one.
        this.log.error("snapshot_inconsistent", { mesh, revision: model.revision, problems });
        continue;
      }
      this.snapshots.setSnapshot(mesh, new Snapshot(resources, version));
    }
  }

  private reportStatus(): void {
    const changes = this.tracker.drainChanges();
    if (changes.statuses.length > 0 || changes.disconnected.length > 0) this.zone.report(changes);
  }

  private logCallbacks(): ProxyCallbacks {
    const log = this.log;
    return {
      onStreamOpen: (p) => log.info("proxy_connected", { proxy: p.id, mesh: p.mesh, stream: p.streamId }),
      onStreamClosed: (p) => log.info("proxy_disconnected", { proxy: p.id, stream: p.streamId }),
      onAck: (p, typeUrl, version) => log.info("ack", { proxy: p.id, type: typeUrl, version }),
      onNack: (p, typeUrl, kept, rejected, error) => log.warn("nack", { proxy: p.id, type: typeUrl, kept, rejected, error }),
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.reportTimer);
    this.reportStatus();
    this.zone.stop();
    await this.cache.flush();
    await this.ads.close();
  }
}
