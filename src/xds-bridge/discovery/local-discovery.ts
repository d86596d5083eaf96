import type { Resource } from "../../contract/resource-types.js";
import type { Logger } from "../logger.js";
import { ProxyWorkloads, type AdmitProxy } from "./proxy-workloads.js";
import { WorkloadsDir } from "./workloads-dir.js";

export interface LocalDiscoveryOptions {
  /** The bridge's zone: every workload found here runs in it. */
  zone: string;
  log: Logger;
  /** A directory of Workload documents to watch (the VM / universal case); none when undefined or "". */
  workloadsDir: string | undefined;
  /** How long a proxy's workload stays healthy after its last stream closed (ProxyWorkloads). */
  proxyGraceMs: number;
  /** How long until it is forgotten. */
  proxyExpiryMs: number;
  /** Called with the complete set after each (coalesced) change; `seq` has counted it already. */
  onChange(workloads: Resource[]): void;
  /** Whether a proxy declaring a workload may (its workload token). */
  admit: AdmitProxy;
  /** How long a burst of changes is gathered into one call. */
  coalesceMs?: number;
}

/**
 * Everything this bridge discovers itself: the workloads of a watched
 * directory and those proxies declare in their node metadata (plug
 * `proxies` into the ADS server's callbacks). Bursts (many proxies
 * connecting at once) are coalesced into one onChange, and `seq` counts
 * those changes, for version_info: the bridge serves its discoveries before
 * the zone echoes them back.
 *
 * @example
 * const discovery = new LocalDiscovery({ zone: "zone-a", log, workloadsDir, proxyGraceMs, proxyExpiryMs, onChange: (ws) => zone.reportDiscovered(ws) });
 * startAdsServer({ cache, callbacks: combineCallbacks(tracker, discovery.proxies) });
 * await discovery.start();
 */
export class LocalDiscovery {
  readonly proxies: ProxyWorkloads;
  private readonly dir: WorkloadsDir | undefined;
  private dirWorkloads: Resource[] = [];
  private timer: NodeJS.Timeout | undefined;
  private changes = 0;

  constructor(private readonly options: LocalDiscoveryOptions) {
    const { zone, log } = options;
    this.proxies = new ProxyWorkloads(zone, log, () => this.changed(), options.admit, options.proxyGraceMs, options.proxyExpiryMs);
    if (options.workloadsDir) {
      this.dir = new WorkloadsDir(options.workloadsDir, zone, log, (ws) => {
        this.dirWorkloads = ws;
        this.changed();
      });
    }
  }

  /** How many changes onChange was called for. */
  get seq(): number {
    return this.changes;
  }

  /** Everything discovered here, as the complete set the zone is told about. */
  list(): Resource[] {
    return [...this.dirWorkloads, ...this.proxies.list()];
  }

  /** Reads the directory (if any) and starts watching it. */
  async start(): Promise<void> {
    await this.dir?.start();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.dir?.stop();
    this.proxies.stop();
  }

  private changed(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changes += 1;
      this.options.onChange(this.list());
    }, this.options.coalesceMs ?? 20);
  }
}
