import { randomUUID } from "node:crypto";
import type { BridgeConfig } from "./bridge-config.js";
import type { Resource } from "../contract/resource-types.js";
import type { ZoneModel } from "../contract/zone-model.js";
import { ProxyWorkloads } from "./discovery/proxy-workloads.js";
import { WorkloadsDir } from "./discovery/workloads-dir.js";
import { startAdminServer } from "./admin-server.js";
import { EndpointMirror } from "./endpoint-mirror.js";
import type { Logger } from "./logger.js";
import { StateCache } from "./state-cache.js";
import { checkConsistency, translateMeshIncremental, translateSidecar, type MeshMemo } from "./translate/index.js";
import type { XdsResources } from "./xds-resources.js";
import { startAdsServer, type AdsServer } from "./xds/ads-server.js";
import { combineCallbacks, type ProxyCallbacks } from "./xds/proxy-callbacks.js";
import { ProxyTracker } from "./xds/proxy-tracker.js";
import { SnapshotCache } from "./xds/snapshot-cache.js";
import { Snapshot } from "./xds/snapshot.js";
import { buildVersionInfo } from "./xds/version-info.js";
import { ZoneClient } from "./zone-client.js";
import { ZoneMirror } from "./zone-mirror.js";

/**
 * One bridge: wiring only. The zone client fills the mirror (journal
 * resources) and the endpoint mirror (the zone's endpoint layer); each change
 * is translated for the meshes it touched, seen from this bridge's zone, and
 * published to the snapshot cache the ADS server serves from; the proxy
 * tracker's ACK/NACK changes go back to the zone; workloads discovered here
 * (a watched directory, proxies' node metadata) go to the zone and are
 * served locally at once; every good state is saved to disk, and loaded from
 * there at start so proxies get config before the zone answers.
 *
 * @example const bridge = await Bridge.start(config, jsonLogger()); ... await bridge.stop();
 */
export class Bridge {
  readonly mirror = new ZoneMirror();
  readonly snapshots = new SnapshotCache();
  readonly tracker = new ProxyTracker();
  readonly endpoints = new EndpointMirror();
  private proxyWorkloads!: ProxyWorkloads;
  private workloadsDir: WorkloadsDir | undefined;
  private dirWorkloads: Resource[] = [];
  private discoveryTimer: NodeJS.Timeout | undefined;
  /** Per mesh, what the last translation produced per service (incremental translation). */
  private readonly memos = new Map<string, MeshMemo>();
  /** Envoy sidecars being served: snapshot key -> the workload they run next to. */
  private readonly sidecars = new Map<string, { mesh: string; workload: string }>();
  /** Counts changes of this bridge's own discoveries, which it serves before the zone echoes them. */
  private discoverySeq = 0;
  private zone!: ZoneClient;
  private ads!: AdsServer;
  private cache!: StateCache;
  private reportTimer: NodeJS.Timeout | undefined;
  private admin: { port: number; close(): Promise<void> } | undefined;

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
    // Before the cache is published: translation reads what proxies declared (none yet).
    this.proxyWorkloads = new ProxyWorkloads(config.zone, log, () => this.discoveryChanged(), config.proxyGraceMs, config.proxyExpiryMs);
    this.cache = new StateCache(config.cacheDir, config.zone);
    try {
      const cached = await this.cache.load();
      if (cached) {
        this.mirror.restore(cached.model, cached.checksum, cached.quarantine);
        this.endpoints.restore(cached.endpoints.version, cached.endpoints.workloads);
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
      callbacks: combineCallbacks(this.tracker, this.proxyWorkloads, this.sidecarCallbacks(), this.logCallbacks()),
      onError: (err, context) => log.error("ads_error", { context, error: String(err) }),
    });
    log.info("ads_listening", { address: this.ads.address });
    if (config.adminPort !== undefined) {
      this.admin = await startAdminServer({ host: "127.0.0.1", port: config.adminPort, ads: this.ads, tracker: this.tracker });
      log.info("admin_listening", { address: `127.0.0.1:${this.admin.port}` });
    }

    this.zone = new ZoneClient({
      controlPlane: config.controlPlane,
      zone: config.zone,
      bridgeId: config.bridgeId ?? `bridge-${randomUUID()}`,
      ...(config.token === undefined ? {} : { token: config.token }),
      mirror: this.mirror,
      log,
      onApplied: (result) => {
        this.publish(result.meshes);
        this.saveCache();
        log.info("zone_update_applied", { revision: result.revision, snapshot: result.snapshot, meshes: [...result.meshes] });
      },
      onEndpoints: (set) => {
        const { meshes, skipped } = this.endpoints.apply(set);
        for (const s of skipped) log.error("endpoint_quarantined", { endpoint: s });
        this.publish(meshes);
        this.saveCache();
        log.info("zone_endpoints_applied", { version: this.endpoints.version, workloads: this.endpoints.workloads.length });
      },
    });
    this.zone.start();
    if (config.workloadsDir) {
      this.workloadsDir = new WorkloadsDir(config.workloadsDir, config.zone, log, (ws) => {
        this.dirWorkloads = ws;
        this.discoveryChanged();
      });
      await this.workloadsDir.start();
    }
    this.reportTimer = setInterval(() => this.reportStatus(), config.reportEveryMs);
  }

  /** Everything discovered here, as the complete set the zone is told about. */
  private discoveredHere(): Resource[] {
    return [...this.dirWorkloads, ...this.proxyWorkloads.list()];
  }

  /** Coalesces bursts (many proxies connecting at once) into one report and one publish. */
  private discoveryChanged(): void {
    this.discoveryTimer ??= setTimeout(() => {
      this.discoveryTimer = undefined;
      const here = this.discoveredHere();
      this.discoverySeq += 1;
      this.zone.reportDiscovered(here);
      this.publish(new Set(here.map((w) => w.metadata.mesh ?? "").concat(this.endpoints.workloads.map((w) => w.metadata.mesh ?? ""))));
    }, 20);
  }

  /**
   * What translation sees: the journal's resources, the zone's endpoint
   * layer, and this bridge's own discoveries on top (they are the newest
   * word on workloads running here, so they are served before the zone
   * echoes them back).
   */
  private translationModel(): ZoneModel {
    return this.endpoints.mergedWith(this.mirror.model, this.discoveredHere());
  }

  private saveCache(): void {
    this.cache.save(this.mirror.model, this.mirror.checksum, this.mirror.quarantine, {
      version: this.endpoints.version,
      workloads: this.endpoints.workloads,
    });
  }

  /** Translates the touched meshes (and their sidecars) and swaps their snapshots in. */
  private publish(meshes: Set<string>): void {
    const model = this.translationModel();
    const localZone = this.config.zone;
    for (const mesh of meshes) {
      // Only services whose inputs changed are translated and encoded again.
      const { resources, memo } = translateMeshIncremental(model, mesh, { localZone }, this.memos.get(mesh));
      if (this.setSnapshot(mesh, resources)) this.memos.set(mesh, memo);
    }
    for (const [key, sc] of this.sidecars) {
      if (meshes.has(sc.mesh)) this.setSnapshot(key, translateSidecar(model, sc.mesh, sc.workload, { localZone }));
    }
  }

  private publishSidecar(key: string): void {
    const sc = this.sidecars.get(key);
    if (sc) this.setSnapshot(key, translateSidecar(this.translationModel(), sc.mesh, sc.workload, { localZone: this.config.zone }));
  }

  /** Publishes a consistent snapshot under `key`; false (and the previous one kept) otherwise. */
  private setSnapshot(key: string, resources: XdsResources): boolean {
    const problems = checkConsistency(resources);
    if (problems.length > 0) {
      // Keep serving the previous snapshot rather than a broken one.
      this.log.error("snapshot_inconsistent", { key, revision: this.mirror.model.revision, problems });
      return false;
    }
    // A proxy's ACK of it names what it holds of each source.
    const version = buildVersionInfo({ revision: this.mirror.model.revision, endpoints: this.endpoints.version, discovery: this.discoverySeq });
    this.snapshots.setSnapshot(key, new Snapshot(resources, version, this.snapshots.getSnapshot(key)));
    return true;
  }

  /** Sidecars get a snapshot of their own as soon as they connect. */
  private sidecarCallbacks(): ProxyCallbacks {
    return {
      onStreamOpen: (p) => {
        const key = p.snapshotKey ?? p.mesh;
        if (key === p.mesh || this.sidecars.has(key)) return;
        this.sidecars.set(key, { mesh: p.mesh, workload: key.slice(`${p.mesh}/sidecar/`.length) });
        this.publishSidecar(key);
      },
      onStreamClosed: (p) => {
        const key = p.snapshotKey ?? p.mesh;
        // The closing stream stops watching right after this callback.
        setImmediate(() => {
          if (key !== p.mesh && this.snapshots.watcherCount(key) === 0) this.sidecars.delete(key);
        });
      },
    };
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
    clearTimeout(this.discoveryTimer);
    this.workloadsDir?.stop();
    this.proxyWorkloads.stop();
    this.reportStatus();
    this.zone.stop();
    await this.cache.flush();
    await this.admin?.close();
    await this.ads.close();
  }
}
