import type { ResourceOf } from "../../contract/resource-types.js";
import { NAME_PATTERN, validateResource } from "../../contract/resource-schema.js";
import type { Logger } from "../logger.js";
import type { ProxyCallbacks, ProxyInfo } from "../xds/proxy-callbacks.js";

type Workload = ResourceOf<"Workload">;

/** Whether `proxy` proved it may serve `service` (identity/admission.ts); a refusal is the caller's to log. */
export type AdmitProxy = (proxy: ProxyInfo, service: string) => boolean;

interface Entry {
  proxy: ProxyInfo;
  workload: Workload;
  streams: number;
  graceTimer?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout;
}

/**
 * Workloads declared by the proxies themselves (the sidecar case): a proxy
 * whose node metadata has `service`, `address` and `port` serves that
 * service at that socket. It is healthy while its ADS stream is open; after
 * its last stream closes it turns unhealthy once `graceMs` passed without a
 * reconnect, and is removed after `expiryMs`. Only a proxy `admit` accepts
 * (a valid workload token for that service) is registered: anything that
 * reaches the ADS port could otherwise take a service's traffic.
 *
 * @example
 * const proxies = new ProxyWorkloads("zone-a", log, (ws) => report(ws), (p, svc) => admission.check(p.node.metadata?.token, { mesh: p.mesh, service: svc }).admitted);
 * startAdsServer({ cache, callbacks: combineCallbacks(tracker, proxies) });
 */
export class ProxyWorkloads implements ProxyCallbacks {
  private readonly entries = new Map<string, Entry>();
  /** Proxies with an open stream that declared a workload but were not admitted: a later admission change may admit them. */
  private readonly declined = new Map<number, ProxyInfo>();

  constructor(
    private readonly zone: string,
    private readonly log: Logger,
    private readonly onChange: () => void,
    private readonly admit: AdmitProxy,
    private readonly graceMs = 10_000,
    private readonly expiryMs = 600_000,
  ) {}

  list(): Workload[] {
    return [...this.entries.values()].map((e) => e.workload);
  }

  onStreamOpen(proxy: ProxyInfo): void {
    const workload = this.workloadOf(proxy);
    if (!workload) {
      if (this.declares(proxy)) this.declined.set(proxy.streamId, proxy);
      return;
    }
    const entry = this.entries.get(proxy.id);
    if (entry) {
      clearTimeout(entry.graceTimer);
      clearTimeout(entry.expiryTimer);
      entry.streams += 1;
      entry.workload = workload;
      entry.proxy = proxy;
    } else {
      this.entries.set(proxy.id, { proxy, workload, streams: 1 });
    }
    this.onChange();
  }

  onStreamClosed(proxy: ProxyInfo): void {
    this.declined.delete(proxy.streamId);
    const entry = this.entries.get(proxy.id);
    if (!entry) return;
    entry.streams -= 1;
    if (entry.streams > 0) return;
    entry.graceTimer = setTimeout(() => {
      entry.workload = { ...entry.workload, spec: { ...entry.workload.spec, health: "unhealthy" } };
      this.log.info("proxy_workload_unhealthy", { proxy: proxy.id, workload: entry.workload.metadata.name });
      this.onChange();
    }, this.graceMs);
    entry.expiryTimer = setTimeout(() => {
      this.entries.delete(proxy.id);
      this.onChange();
    }, this.expiryMs);
  }

  /** Admission changed: forgets at once the proxies no longer admitted (a revocation), registers those admitted now (a new key). */
  recheck(): void {
    let changed = false;
    for (const [id, e] of this.entries) {
      if (this.admit(e.proxy, e.workload.spec.service)) continue;
      clearTimeout(e.graceTimer);
      clearTimeout(e.expiryTimer);
      this.entries.delete(id);
      this.log.info("proxy_workload_removed", { proxy: id, reason: "not_admitted" });
      changed = true;
    }
    for (const [streamId, proxy] of this.declined) {
      if (!this.workloadOf(proxy)) continue;
      this.declined.delete(streamId);
      this.onStreamOpen(proxy);
    }
    if (changed) this.onChange();
  }

  private declares(proxy: ProxyInfo): boolean {
    const md = (proxy.node.metadata ?? {}) as Record<string, unknown>;
    return typeof md["service"] === "string" && typeof md["address"] === "string";
  }

  stop(): void {
    for (const e of this.entries.values()) {
      clearTimeout(e.graceTimer);
      clearTimeout(e.expiryTimer);
    }
  }

  private workloadOf(proxy: ProxyInfo): Workload | undefined {
    const md = (proxy.node.metadata ?? {}) as Record<string, unknown>;
    const service = md["service"];
    const address = md["address"];
    const port = Number(md["port"]);
    if (typeof service !== "string" || typeof address !== "string" || !Number.isInteger(port)) return undefined;
    const name = `proxy-${proxy.id.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`.slice(0, 63).replace(/-+$/, "");
    if (!NAME_PATTERN.test(service) || !NAME_PATTERN.test(name) || port < 1 || port > 65535) {
      this.log.warn("proxy_metadata_invalid", { proxy: proxy.id, service, address, port: md["port"] });
      return undefined;
    }
    if (!this.admit(proxy, service)) return undefined;
    try {
      return validateResource({
        kind: "Workload",
        metadata: { name, mesh: proxy.mesh, labels: { "edgeplane.io/source": "proxy" } },
        spec: { service, address, port, zone: this.zone, health: "healthy" },
      }) as Workload;
    } catch (err) {
      this.log.warn("proxy_metadata_invalid", { proxy: proxy.id, error: (err as Error).message });
      return undefined;
    }
  }
}
