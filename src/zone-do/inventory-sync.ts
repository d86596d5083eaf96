import type { EndpointRow } from "../contract/endpoint-inventory.js";
import { keyString, type ZoneSpec } from "../contract/resource-types.js";
import type { Resource as WireResource } from "../contract/zone-protocol/zone_pb.js";
import type { EndpointLayer } from "./endpoint-layer.js";
import type { ZoneStorage } from "./zone-storage.js";
import type { ZoneUplink } from "./zone-uplink.js";

/**
 * The zone's side of cross-zone discovery (issue 4): what its bridges
 * discovered goes into the endpoint layer and, through a one-row outbox,
 * upstream as an inventory report (kept until the global plane stored it,
 * so nothing reported is lost while the uplink is down); what other zones
 * reported comes back down as remote endpoints.
 *
 * @example
 * const inventory = new InventorySync(endpoints, state, uplink, () => broadcastEndpoints(), () => scheduleAlarm());
 * await inventory.flush();
 */
export class InventorySync {
  constructor(
    private readonly endpoints: EndpointLayer,
    private readonly state: ZoneStorage,
    private readonly uplink: ZoneUplink,
    /** The endpoint layer changed: send it to the bridges. */
    private readonly onEndpointsChanged: () => void,
    /** A report is waiting: make sure the alarm retries it. */
    private readonly retryLater: () => Promise<void>,
  ) {}

  /** A bridge's complete set of discovered workloads. */
  async onDiscovered(bridgeId: string, workloads: readonly WireResource[]): Promise<void> {
    const decoder = new TextDecoder();
    const rows: EndpointRow[] = workloads
      .filter((w) => w.kind === "Workload")
      .map((w) => ({ key: keyString({ kind: "Workload", mesh: w.mesh, name: w.name }), mesh: w.mesh, name: w.name, document: decoder.decode(w.document) }));
    if (!this.endpoints.replaceDiscovered(bridgeId, rows)) return;
    this.onEndpointsChanged();
    await this.flush();
  }

  /** The zone's own Zone document changed (its ingress): report again. */
  async ownZoneChanged(): Promise<void> {
    this.endpoints.queueReport();
    await this.flush();
  }

  /** Sends the queued inventory upstream; on failure it stays queued for the alarm. */
  async flush(): Promise<void> {
    const zone = this.state.zoneName();
    if (!zone) return;
    const report = this.endpoints.outbox(zone, this.ownIngress(zone));
    if (!report) return;
    try {
      await this.uplink.report(report);
      this.endpoints.delivered(report.seq);
    } catch (err) {
      console.error(`zone ${zone}: inventory report ${report.seq} queued: ${String(err)}`);
      await this.retryLater();
    }
  }

  /** Reads the other zones' inventories; a failure leaves the last ones in place. */
  async refreshRemote(): Promise<void> {
    const zone = this.state.zoneName();
    if (!zone) return;
    try {
      if (this.endpoints.replaceRemote(await this.uplink.remote(zone))) this.onEndpointsChanged();
    } catch (err) {
      console.error(`zone ${zone}: remote inventory not refreshed: ${String(err)}`);
    }
  }

  private ownIngress(zone: string): ZoneSpec["ingress"] | null {
    const row = this.state.resourcesFor([keyString({ kind: "Zone", mesh: "", name: zone })]).upserts[0];
    return row ? ((JSON.parse(row.document) as { spec: ZoneSpec }).spec.ingress ?? null) : null;
  }
}
