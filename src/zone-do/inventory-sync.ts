import type { EndpointRow } from "../contract/endpoint-inventory.js";
import { validateResource } from "../contract/resource-schema.js";
import { keyString, type ZoneSpec } from "../contract/resource-types.js";
import { ValidationError } from "../contract/validation-error.js";
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

  /**
   * A bridge's complete set of discovered workloads. Each is checked with
   * the API's schema (and must be in this zone) before it enters the layer;
   * the refused ones are returned at once, with why, for the bridge to log;
   * `flushed` settles once the inventory went upstream (or was queued).
   */
  onDiscovered(bridgeId: string, workloads: readonly WireResource[]): { refused: RefusedWorkload[]; flushed: Promise<void> } {
    const rows: EndpointRow[] = [];
    const refused: RefusedWorkload[] = [];
    for (const w of workloads) {
      const checked = checkDiscovered(w, this.state.zoneName());
      if (typeof checked === "string") refused.push({ kind: w.kind, mesh: w.mesh, name: w.name, reason: checked });
      else rows.push(checked);
    }
    // Applied and answered at once, in the order reports arrive; only the upstream report waits for D1.
    if (!this.endpoints.replaceDiscovered(bridgeId, rows)) return { refused, flushed: Promise.resolve() };
    this.onEndpointsChanged();
    return { refused, flushed: this.flush() };
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

/** A discovered document the zone did not take, and why. */
export interface RefusedWorkload {
  kind: string;
  mesh: string;
  name: string;
  reason: string;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The endpoint row for a discovered workload, or the reason it is refused. */
function checkDiscovered(w: WireResource, zone: string): EndpointRow | string {
  let resource;
  try {
    resource = validateResource(JSON.parse(decoder.decode(w.document)));
  } catch (err) {
    if (err instanceof ValidationError) return `${err.field}: ${err.message}`;
    return `not a JSON document: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (resource.kind !== "Workload") return `kind: only Workloads are discovered, not ${resource.kind}`;
  if (resource.metadata.mesh !== w.mesh || resource.metadata.name !== w.name) {
    return `metadata: the document names ${resource.metadata.mesh}/${resource.metadata.name}, the frame ${w.mesh}/${w.name}`;
  }
  if (resource.spec.zone !== zone) return `spec.zone: "${resource.spec.zone}" is not this bridge's zone "${zone}"`;
  return { key: keyString({ kind: "Workload", mesh: w.mesh, name: w.name }), mesh: w.mesh, name: w.name, document: JSON.stringify(resource) };
}
