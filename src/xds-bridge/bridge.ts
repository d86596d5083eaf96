import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BridgeConfig } from "./bridge-config.js";
import { LocalDiscovery } from "./discovery/local-discovery.js";
import { startAdminServer } from "./admin-server.js";
import { BridgeMetrics } from "./bridge-metrics.js";
import { EndpointMirror } from "./endpoint-mirror.js";
import type { Logger } from "./logger.js";
import { proxyEventLog } from "./proxy-event-log.js";
import { RevisionTracer } from "./revision-tracer.js";
import { SnapshotPublisher } from "./snapshot-publisher.js";
import { StateCache } from "./state-cache.js";
import { StatusReporter } from "./status-reporter.js";
import { CurrentPlanner } from "./current-planner.js";
import { startAdsServer, type AdsServer } from "./xds/ads-server.js";
import { adsTlsCredentials } from "./xds/ads-tls-credentials.js";
import { combineCallbacks } from "./xds/proxy-callbacks.js";
import { ProxyTracker } from "./xds/proxy-tracker.js";
import { SnapshotCache } from "./xds/snapshot-cache.js";
import { ZoneClient } from "./zone-client.js";
import { wallMs, ZoneClock } from "./zone-clock.js";
import { ZoneMirror } from "./zone-mirror.js";
import { Admission } from "./identity/admission.js";
import { AdmissionGate, type AdsTransport } from "./identity/admission-gate.js";
import { bridgeIdentityKey, IdentityManager } from "./identity/identity-manager.js";

/**
 * One bridge: wiring only. The zone client fills the mirror (journal
 * resources) and the endpoint mirror (the zone's endpoint layer); the
 * publisher translates each change for the meshes it touched and sets their
 * snapshots, which the ADS server serves; the status reporter sends the
 * tracker's ACK/NACK changes back to the zone; what local discovery finds (a
 * watched directory, proxies' node metadata) goes to the zone and is served
 * at once; every good state is saved to disk, and loaded from there at start
 * so proxies get config before the zone answers.
 *
 * @example const bridge = await Bridge.start(config, jsonLogger()); ... await bridge.stop();
 */
export class Bridge {
  readonly mirror = new ZoneMirror();
  readonly snapshots = new SnapshotCache();
  readonly tracker = new ProxyTracker(Date.now, () => this.mirror.revision);
  readonly endpoints = new EndpointMirror();
  /** The zone's clock and this bridge's hops of the latest update, for the revision's trace. */
  readonly zoneClock = new ZoneClock(wallMs);
  readonly tracer = new RevisionTracer(wallMs);
  private readonly metrics: BridgeMetrics;
  private readonly cache: StateCache;
  private readonly discovery: LocalDiscovery;
  private readonly publisher: SnapshotPublisher;
  private readonly zone: ZoneClient;
  private readonly reporter: StatusReporter;
  private readonly currents: CurrentPlanner;
  readonly identities: IdentityManager;
  /** Which proxies proved the service they declare (workload tokens), and what that lets them be served. */
  readonly admission: Admission;
  private readonly gate: AdmissionGate;
  private ads!: AdsServer;
  /** The TLS-only ADS port for sidecars (`--ads-tls-port`), if any. */
  private adsTls: AdsServer | undefined;
  private admin: { port: number; close(): Promise<void> } | undefined;

  private constructor(
    readonly config: BridgeConfig,
    private readonly log: Logger,
  ) {
    this.cache = new StateCache(config.cacheDir, config.zone);
    this.admission = new Admission(config.zone, join(config.cacheDir, `${config.zone}.admission.json`));
    this.discovery = new LocalDiscovery({
      zone: config.zone,
      log,
      workloadsDir: config.workloadsDir,
      proxyGraceMs: config.proxyGraceMs,
      proxyExpiryMs: config.proxyExpiryMs,
      admit: (proxy, service) => {
        const decision = this.gate.decide(proxy, service);
        if (!decision.admitted) log.warn("proxy_not_admitted", { proxy: proxy.id, mesh: proxy.mesh, service, reason: decision.refusal });
        return decision.admitted;
      },
      onChange: (workloads) => {
        this.zone.reportDiscovered(workloads);
        this.publisher.publish(new Set([...workloads, ...this.endpoints.workloads].map((w) => w.metadata.mesh ?? "")));
      },
    });
    this.publisher = new SnapshotPublisher({
      localZone: config.zone,
      cache: this.snapshots,
      mirror: this.mirror,
      endpoints: this.endpoints,
      discovery: this.discovery,
      identities: { material: (m, svc) => this.identities.material(m, svc), hold: (m, svc) => void this.identities.hold(m, svc) },
      log,
    });
    this.gate = new AdmissionGate(this.admission, this.publisher, log, { tlsPort: config.adsTlsPort !== undefined });
    this.admission.onChange(() => {
      this.discovery.proxies.recheck();
      this.regate();
    });
    this.zone = new ZoneClient({
      controlPlane: config.controlPlane,
      zone: config.zone,
      bridgeId: config.bridgeId ?? `bridge-${randomUUID()}`,
      ...(config.tokenFile !== undefined
        ? { token: () => readFileSync(config.tokenFile!, "utf8").trim() }
        : config.token === undefined
          ? {}
          : { token: config.token }),
      mirror: this.mirror,
      log,
      clock: this.zoneClock,
      onAdmission: (state) => {
        log.info("admission_state", { keys: state.keys.length, revoked: state.revoked.length });
        this.admission.update(state);
      },
      onUpdateReceived: (revision) => this.tracer.received(revision),
      onApplied: (result) => {
        this.publisher.publish(result.meshes, {
          translated: () => this.tracer.translated(result.revision),
          publishing: () => this.tracer.published(result.revision),
        });
        for (const m of result.meshes) this.identities.meshChanged(m);
        // A mesh that changed its mTLS mode has its proxies decided again (only then: regating visits every stream).
        if ([...result.meshes].some((m) => this.modeChanged(m))) this.regate();
        this.saveCache();
        log.info("zone_update_applied", { revision: result.revision, snapshot: result.snapshot, meshes: [...result.meshes] });
      },
      onWelcome: (welcome) => {
        // The new socket holds none of the rows CurrentAt would name; an older zone takes no CurrentAt.
        this.currents.reset(welcome.features.includes("current-at"));
        this.identities.connected();
      },
      onCertificate: (answer) => {
        if (answer.case === "issued") this.identities.onIssued(answer.value).catch((err: unknown) => log.error("identity_write_failed", { spiffeId: `${answer.value.mesh}/${answer.value.service}`, error: String(err) }));
        else this.identities.onRefused(answer.value);
      },
      onEndpoints: (set) => {
        const { meshes, skipped } = this.endpoints.apply(set);
        for (const s of skipped) log.error("endpoint_quarantined", { endpoint: s });
        this.publisher.publish(meshes);
        this.saveCache();
        log.info("zone_endpoints_applied", { version: this.endpoints.version, workloads: this.endpoints.workloads.length });
      },
    });
    this.identities = new IdentityManager({ certsDir: config.certsDir, log, send: (req) => this.zone.requestCertificate(req) });
    this.identities.onChange((id) => {
      if (id.state === "issued") this.publisher.identityChanged(id.mesh, id.service);
    });
    this.metrics = new BridgeMetrics(() => ({ connected: this.zone.connected, revision: this.mirror.revision, zoneRevision: this.zone.zoneRevision }));
    // Answers that leave a proxy short of current wait up to ten beats for its other types.
    this.currents = new CurrentPlanner(10 * config.reportEveryMs);
    this.reporter = new StatusReporter(
      this.tracker,
      (changes, final) => this.currents.report(changes, this.zone, final),
      config.reportEveryMs,
      { drain: () => this.tracer.drain(this.zoneClock.best), send: (report) => this.zone.reportTrace(report) },
      () => this.currents.holding,
    );
  }

  private readonly modes = new Map<string, string>();

  /** Whether the mesh's mTLS mode differs from the last one seen here. */
  private modeChanged(mesh: string): boolean {
    const mode = this.publisher.mtlsMode(mesh);
    const before = this.modes.get(mesh) ?? "disabled";
    this.modes.set(mesh, mode);
    return mode !== before;
  }

  /** Ends the streams whose proxy would now be served otherwise (admitted, revoked, mode changed); they reconnect. */
  private regate(): void {
    if (!this.ads) return;
    const on = (ads: AdsServer | undefined, transport: AdsTransport) => ads?.endStreams((p) => this.gate.changed(p, transport)) ?? 0;
    const ended = on(this.ads, "plaintext") + on(this.adsTls, "tls");
    if (ended > 0) this.log.info("proxies_regated", { streams: ended });
  }

  static async start(config: BridgeConfig, log: Logger): Promise<Bridge> {
    const b = new Bridge(config, log);
    await b.init();
    return b;
  }

  get adsAddress(): string {
    return this.ads.address;
  }

  /** host:port of the TLS ADS port, if there is one. */
  get adsTlsAddress(): string | undefined {
    return this.adsTls?.address;
  }

  /** What a sidecar's bootstrap pins to reach the TLS ADS port (admin `GET /ads-tls`). */
  private adsTlsView() {
    if (!this.adsTls) return undefined;
    const { adsTlsMesh, zone } = this.config;
    const id = this.identities.get(adsTlsMesh, bridgeIdentityKey(zone));
    return { address: this.adsTls.address, port: this.adsTls.port, mesh: adsTlsMesh, spiffeId: id?.spiffeId, state: id?.state, trustBundleFile: id?.paths.ca, notAfterMs: id?.notAfterMs };
  }

  private async init(): Promise<void> {
    const { config, log } = this;
    try {
      const cached = await this.cache.load();
      if (cached) {
        this.mirror.restore(cached.model, cached.checksum, cached.quarantine);
        this.endpoints.restore(cached.endpoints.version, cached.endpoints.workloads);
        this.publisher.publish(new Set(cached.model.meshes()));
        log.info("cache_loaded", { path: this.cache.path, revision: cached.model.revision });
      }
    } catch (err) {
      log.error("cache_unreadable", { error: String(err) });
    }

    // Both ports serve the same cache to the same callbacks: one stream id sequence, since the tracker keys on it.
    let streamIds = 0;
    const common = {
      host: config.adsHost,
      cache: this.snapshots,
      callbacks: combineCallbacks(this.tracker, this.tracer.callbacks(), this.discovery.proxies, this.publisher.sidecarCallbacks(), this.metrics.callbacks(), proxyEventLog(log)),
      nextStreamId: () => ++streamIds,
      onError: (err: unknown, context: string) => log.error("ads_error", { context, error: String(err) }),
    };
    this.ads = await startAdsServer({ ...common, port: config.adsPort, gate: this.gate.gateFor("plaintext") });
    log.info("ads_listening", { address: this.ads.address });
    if (config.adsTlsPort !== undefined) {
      // The serving certificate is the bridge's own identity; until it is issued the port drops connections.
      const own = await this.identities.holdBridge(config.adsTlsMesh, config.zone);
      this.adsTls = await startAdsServer({ ...common, port: config.adsTlsPort, gate: this.gate.gateFor("tls"), credentials: adsTlsCredentials(own.paths) });
      log.info("ads_tls_listening", { address: this.adsTls.address, spiffeId: own.spiffeId });
    }
    if (config.adminPort !== undefined) {
      this.admin = await startAdminServer({
        host: config.adminHost,
        port: config.adminPort,
        ads: { configDump: (proxy) => [...this.ads.configDump(proxy), ...(this.adsTls?.configDump(proxy) ?? [])] },
        adsTls: () => this.adsTlsView(),
        tracker: this.tracker,
        metrics: this.metrics,
        ready: () => this.mirror.revision > 0,
        identities: this.identities,
        admits: (mesh, service, token) => this.admission.check(token, { mesh, service }),
        zone: config.zone,
      });
      log.info("admin_listening", { address: `${config.adminHost}:${this.admin.port}` });
    }

    this.zone.start();
    this.identities.resume();
    await this.discovery.start();
    this.reporter.start();
  }

  private saveCache(): void {
    this.cache.save(this.mirror.model, this.mirror.checksum, this.mirror.quarantine, {
      version: this.endpoints.version,
      workloads: this.endpoints.workloads,
    });
  }

  async stop(): Promise<void> {
    this.discovery.stop();
    this.reporter.stop();
    this.zone.stop();
    this.identities.stop();
    await this.cache.flush();
    await this.admin?.close();
    await this.ads.close();
    await this.adsTls?.close();
  }
}
