import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ProxyCallbacks, ProxyInfo } from "./xds/proxy-callbacks.js";
import { sidecarWorkloadOf } from "./xds/node-hash.js";

/** What the metrics read from the zone link when scraped. */
export interface ZoneLinkView {
  connected: boolean;
  /** The zone revision the bridge holds. */
  revision: number;
  /** The zone's revision as last heard (Welcome or update); 0 before. */
  zoneRevision: number;
}

const shortType = (typeUrl: string) => typeUrl.split(".").pop() ?? typeUrl;

/**
 * The bridge's Prometheus metrics (`GET /metrics` on the admin port), fed by
 * the ADS callbacks like status is: connected proxies by kind, pushes and
 * bytes by xDS type, ACKs and NACKs, push-to-ACK latency, and the zone
 * link's state and lag read at scrape time.
 *
 * @example
 * const metrics = new BridgeMetrics(() => zone.linkView());
 * startAdsServer({ cache, callbacks: combineCallbacks(tracker, metrics.callbacks()) });
 * res.end(await metrics.render());
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  private readonly proxies: Gauge;
  private readonly pushes: Counter;
  private readonly pushedBytes: Counter;
  private readonly acks: Counter;
  private readonly nacks: Counter;
  private readonly pushToAck: Histogram;
  /** stream id + type -> when the response the proxy is answering was sent. */
  private readonly sentAt = new Map<string, { version: string; atMs: number }>();

  constructor(
    zoneLink: () => ZoneLinkView,
    private readonly now: () => number = Date.now,
  ) {
    const registers = [this.registry];
    this.proxies = new Gauge({ name: "edgeplane_bridge_proxies", help: "Connected ADS streams by proxy kind", labelNames: ["kind"], registers });
    this.pushes = new Counter({ name: "edgeplane_bridge_pushes_total", help: "xDS responses sent, by type", labelNames: ["type"], registers });
    this.pushedBytes = new Counter({ name: "edgeplane_bridge_pushed_bytes_total", help: "Bytes of resources sent, by type", labelNames: ["type"], registers });
    this.acks = new Counter({ name: "edgeplane_bridge_acks_total", help: "ACKs received, by type", labelNames: ["type"], registers });
    this.nacks = new Counter({ name: "edgeplane_bridge_nacks_total", help: "NACKs received, by type", labelNames: ["type"], registers });
    this.pushToAck = new Histogram({
      name: "edgeplane_bridge_push_to_ack_seconds",
      help: "Time from a response to the proxy's ACK or NACK of it",
      labelNames: ["type"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    new Gauge({
      name: "edgeplane_bridge_zone_connected",
      help: "1 while the link to the zone is up",
      registers,
      collect() {
        this.set(zoneLink().connected ? 1 : 0);
      },
    });
    new Gauge({
      name: "edgeplane_bridge_zone_revision",
      help: "Zone revision the bridge holds",
      registers,
      collect() {
        this.set(zoneLink().revision);
      },
    });
    new Gauge({
      name: "edgeplane_bridge_zone_lag_revisions",
      help: "Revisions the bridge is behind what it last heard of the zone",
      registers,
      collect() {
        const link = zoneLink();
        this.set(Math.max(0, link.zoneRevision - link.revision));
      },
    });
    for (const kind of ["sidecar", "proxyless"]) this.proxies.set({ kind }, 0);
  }

  /** The ADS hooks that feed the metrics. */
  callbacks(): ProxyCallbacks {
    const kindOf = (p: ProxyInfo) => (sidecarWorkloadOf(p.node) === undefined ? "proxyless" : "sidecar");
    const key = (p: ProxyInfo, typeUrl: string) => `${p.streamId}\u0000${typeUrl}`;
    const answered = (p: ProxyInfo, typeUrl: string) => {
      const sent = this.sentAt.get(key(p, typeUrl));
      if (!sent) return;
      this.sentAt.delete(key(p, typeUrl));
      this.pushToAck.observe({ type: shortType(typeUrl) }, (this.now() - sent.atMs) / 1000);
    };
    return {
      onStreamOpen: (p) => this.proxies.inc({ kind: kindOf(p) }),
      onStreamClosed: (p) => {
        this.proxies.dec({ kind: kindOf(p) });
        for (const k of [...this.sentAt.keys()]) if (k.startsWith(`${p.streamId}\u0000`)) this.sentAt.delete(k);
      },
      onResponse: (p, typeUrl, version, _nonce, bytes) => {
        this.pushes.inc({ type: shortType(typeUrl) });
        this.pushedBytes.inc({ type: shortType(typeUrl) }, bytes);
        this.sentAt.set(key(p, typeUrl), { version, atMs: this.now() });
      },
      onAck: (p, typeUrl) => {
        this.acks.inc({ type: shortType(typeUrl) });
        answered(p, typeUrl);
      },
      onNack: (p, typeUrl) => {
        this.nacks.inc({ type: shortType(typeUrl) });
        answered(p, typeUrl);
      },
    };
  }

  /** The text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
