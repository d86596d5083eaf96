import type { HeldState } from "./poison-holds.js";
import type { ProxyCallbacks, ProxyInfo } from "./proxy-callbacks.js";
import { snapshotKeyOfProxy, snapshotTargetOfKey } from "./node-hash.js";
import { compareVersionInfo } from "./version-info.js";

export type AckState = "ACK" | "NACK";

/** One proxy's latest answer for one type: the shape of the zone's ProxyStatus. */
export interface ProxyStatusRecord {
  proxyId: string;
  mesh: string;
  typeUrl: string;
  state: AckState;
  /** ACK: the version accepted. NACK: the version refused. */
  version: string;
  /** The proxy's error_detail message on NACK; "" on ACK. */
  errorDetail: string;
  atMs: number;
  /** Resources of this type held back after the proxy refused them (poison-holds.ts). */
  held?: HeldState;
  /** The zone revision the bridge held when the proxy's stream opened; absent while it held none. */
  joinedRevision?: number;
  /** The Workload an Envoy sidecar is served for; absent for proxyless clients. */
  workload?: string;
  /** The Service the proxy's node metadata names ("service"); absent when it names none. */
  service?: string;
}

/** What drainChanges hands to whoever reports status upstream. */
export interface TrackerChanges {
  /** Latest record per (proxy, type) that changed since the last drain. */
  statuses: ProxyStatusRecord[];
  /** Proxies whose last stream closed since the last drain (and that did not come back). */
  disconnected: string[];
}

/** Per-type state of one connected proxy. */
export interface TypeStatus {
  state: AckState;
  /** What the proxy runs: the last version it ACKed ("" if none yet). */
  ackedVersion: string;
  ackedAtMs: number | undefined;
  lastNack: { version: string; errorDetail: string; atMs: number } | undefined;
}

/** One connected stream, for a debug/status endpoint. */
export interface ConnectedProxyStatus {
  proxyId: string;
  mesh: string;
  streamId: number;
  connectedAtMs: number;
  /** Keyed by type_url. */
  types: Record<string, TypeStatus>;
}

interface Connection {
  proxy: ProxyInfo;
  connectedAtMs: number;
  joinedRevision: number;
  types: Map<string, TypeStatus>;
  /** type_url -> version_info of the last response sent. */
  sent: Map<string, string>;
  /** type_url -> newest snapshot version that changed nothing of the type for this proxy. */
  current: Map<string, string>;
  /** type_url -> what is held back for this proxy, while anything is. */
  held: Map<string, HeldState>;
  /** What every record of this stream's proxy says besides the answer, worked out once per proxy object (record()). */
  details: { of: ProxyInfo; fields: Pick<ProxyStatusRecord, "joinedRevision" | "workload" | "service"> } | undefined;
}

/**
 * Keeps, per connected proxy and type, the last ACKed version and last NACK,
 * fed by the ADS server's callbacks. Two views: drainChanges() for the zone
 * status report (only what changed), snapshotStatus() for humans.
 *
 * @example
 *   const tracker = new ProxyTracker();
 *   await startAdsServer({ cache, callbacks: tracker });
 *   setInterval(() => report(tracker.drainChanges()), 1000);
 */
export class ProxyTracker implements ProxyCallbacks {
  private readonly connections = new Map<number, Connection>();
  /** key proxyId + "\n" + typeUrl -> latest unreported record. */
  private pending = new Map<string, ProxyStatusRecord>();
  private disconnected = new Set<string>();

  constructor(
    private readonly now: () => number = Date.now,
    /** The zone revision the bridge holds now (recorded when a stream opens). */
    private readonly revisionNow: () => number = () => 0,
  ) {}

  onStreamOpen(proxy: ProxyInfo): void {
    this.connections.set(proxy.streamId, {
      proxy,
      connectedAtMs: this.now(),
      joinedRevision: this.revisionNow(),
      types: new Map(),
      sent: new Map(),
      current: new Map(),
      held: new Map(),
      details: undefined,
    });
    // Back before anyone heard it left: nothing to report about the gap.
    this.disconnected.delete(proxy.id);
  }

  onStreamClosed(proxy: ProxyInfo): void {
    this.connections.delete(proxy.streamId);
    // A reconnect can open the new stream before the old one is noticed gone.
    if (this.isConnected(proxy.id)) return;
    for (const key of [...this.pending.keys()]) {
      if (this.pending.get(key)?.proxyId === proxy.id) this.pending.delete(key);
    }
    this.disconnected.add(proxy.id);
  }

  onAck(proxy: ProxyInfo, typeUrl: string, version: string): void {
    const status = this.typeStatus(proxy, typeUrl);
    if (!status) return;
    // An ACK re-sent with a subscription change repeats what we know.
    if (status.state === "ACK" && status.ackedVersion === version && status.ackedAtMs !== undefined) return;
    const atMs = this.now();
    status.state = "ACK";
    status.ackedVersion = version;
    status.ackedAtMs = atMs;
    // Snapshots since the response it ACKed left this type alone: it is current at the newest.
    const c = this.connections.get(proxy.streamId);
    const current = c?.current.get(typeUrl);
    const effective = c?.sent.get(typeUrl) === version && current !== undefined && compareVersionInfo(current, version) > 0 ? current : version;
    this.record(proxy, { typeUrl, state: "ACK", version: effective, errorDetail: "", atMs });
  }

  onResponse(proxy: ProxyInfo, typeUrl: string, version: string): void {
    this.connections.get(proxy.streamId)?.sent.set(typeUrl, version);
  }

  onHeld(proxy: ProxyInfo, typeUrl: string, held: HeldState): void {
    const c = this.connections.get(proxy.streamId);
    const status = c?.types.get(typeUrl);
    if (!c) return;
    if (held.names.length > 0) c.held.set(typeUrl, held);
    else c.held.delete(typeUrl);
    // Re-state the type's current answer with the hold (or without it).
    if (status) {
      const version = status.state === "NACK" ? (status.lastNack?.version ?? "") : status.ackedVersion;
      this.record(proxy, { typeUrl, state: status.state, version, errorDetail: status.lastNack?.errorDetail ?? "", atMs: this.now() });
    }
  }

  onCurrent(proxy: ProxyInfo, typeUrl: string, version: string): void {
    const c = this.connections.get(proxy.streamId);
    if (!c) return;
    c.current.set(typeUrl, version);
    // Only a proxy that ACKed its last response runs what `version` holds.
    const status = c.types.get(typeUrl);
    if (!status || status.state !== "ACK" || status.ackedVersion !== c.sent.get(typeUrl)) return;
    this.record(proxy, { typeUrl, state: "ACK", version, errorDetail: "", atMs: this.now() });
  }

  onCurrentMany(proxies: readonly ProxyInfo[], typeUrl: string, version: string): void {
    for (const proxy of proxies) this.onCurrent(proxy, typeUrl, version);
  }

  onNack(proxy: ProxyInfo, typeUrl: string, keptVersion: string, rejectedVersion: string, errorDetail: string): void {
    const status = this.typeStatus(proxy, typeUrl);
    if (!status) return;
    const atMs = this.now();
    status.state = "NACK";
    // The proxy says what it still runs; trust that over our own memory.
    status.ackedVersion = keptVersion;
    status.lastNack = { version: rejectedVersion, errorDetail, atMs };
    this.record(proxy, { typeUrl, state: "NACK", version: rejectedVersion, errorDetail, atMs });
  }

  /**
   * Everything that changed since the previous call, then forgets it.
   * Consumers apply `statuses` before `disconnected`.
   *
   * @example const { statuses, disconnected } = tracker.drainChanges();
   */
  drainChanges(): TrackerChanges {
    const changes = { statuses: [...this.pending.values()], disconnected: [...this.disconnected].sort() };
    this.pending = new Map();
    this.disconnected = new Set();
    return changes;
  }

  /**
   * Every open stream with its per-type state, sorted by proxy id then stream.
   *
   * @example tracker.snapshotStatus()[0]?.types[TYPE_URL.cluster]?.state // "ACK"
   */
  snapshotStatus(): ConnectedProxyStatus[] {
    return [...this.connections.values()]
      .map((c) => ({
        proxyId: c.proxy.id,
        mesh: c.proxy.mesh,
        streamId: c.proxy.streamId,
        connectedAtMs: c.connectedAtMs,
        types: Object.fromEntries([...c.types].map(([t, s]) => [t, structuredClone(s)])),
      }))
      .sort((a, b) => (a.proxyId < b.proxyId ? -1 : a.proxyId > b.proxyId ? 1 : a.streamId - b.streamId));
  }

  /**
   * The most recent stream of one proxy, or undefined if it is not connected.
   *
   * @example tracker.proxyStatus("echo-client")?.types[TYPE_URL.listener]?.ackedVersion
   */
  proxyStatus(proxyId: string): ConnectedProxyStatus | undefined {
    return this.snapshotStatus()
      .filter((p) => p.proxyId === proxyId)
      .at(-1);
  }

  private isConnected(proxyId: string): boolean {
    for (const c of this.connections.values()) if (c.proxy.id === proxyId) return true;
    return false;
  }

  private typeStatus(proxy: ProxyInfo, typeUrl: string): TypeStatus | undefined {
    const connection = this.connections.get(proxy.streamId);
    if (!connection) return undefined; // the stream was already reported closed
    let status = connection.types.get(typeUrl);
    if (!status) {
      status = { state: "ACK", ackedVersion: "", ackedAtMs: undefined, lastNack: undefined };
      connection.types.set(typeUrl, status);
    }
    return status;
  }

  private record(proxy: ProxyInfo, r: Omit<ProxyStatusRecord, "proxyId" | "mesh" | "joinedRevision" | "workload" | "service">): void {
    const c = this.connections.get(proxy.streamId);
    const held = c?.held.get(r.typeUrl);
    // Every proxy a snapshot leaves alone gets a record: the parts that do not change are made once.
    let fields = c?.details?.of === proxy ? c.details.fields : undefined;
    if (!fields) {
      fields = detailsOf(proxy, c?.joinedRevision ?? 0);
      if (c) c.details = { of: proxy, fields };
    }
    this.pending.set(`${proxy.id}\n${r.typeUrl}`, {
      proxyId: proxy.id,
      mesh: proxy.mesh,
      ...r,
      ...fields,
      ...(held ? { held } : {}),
    });
  }

}

/** The parts of a proxy's records that come from its stream, not its answer. */
function detailsOf(proxy: ProxyInfo, joinedRevision: number): Pick<ProxyStatusRecord, "joinedRevision" | "workload" | "service"> {
  // What the proxy is served as, read from its snapshot key: a sidecar's names its workload.
  const workload = snapshotTargetOfKey(snapshotKeyOfProxy(proxy)).workload;
  const service = proxy.node.metadata?.["service"];
  return {
    ...(joinedRevision > 0 ? { joinedRevision } : {}),
    ...(workload !== undefined ? { workload } : {}),
    ...(typeof service === "string" && service !== "" ? { service } : {}),
  };
}
