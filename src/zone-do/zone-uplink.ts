import type { InventoryReport, RemoteRow } from "../contract/endpoint-inventory.js";
import type { Env } from "../env.js";
import { signingRoot, trustBundle, type SigningRoot } from "../global/mesh-ca.js";
import { remoteWorkloads, storeInventory, wakeOtherZones } from "../global/inventory.js";
import { ResourceStore, type JournalEntry } from "../store/resource-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import { ZoneTokenStore, type ZoneTokenRecord } from "../store/zone-token-store.js";
import { WorkloadTokenStore, type AdmissionRecords } from "../store/workload-token-store.js";

export class UplinkDown extends Error {}

/**
 * Everything a zone asks of D1 and the global plane, in one place: the
 * journal pull, zone token records, being recorded as a known zone, the
 * inventory report and the other zones' inventories. That is the boundary zone autonomy is about
 * (shared/design.md section 6): when a call here fails, the zone keeps
 * serving what it holds and retries later.
 *
 * It is also where tests cut the zone off: with EDGEPLANE_FAULTS=on (never
 * set in wrangler.toml), `setUnreachable(true)` makes every call fail as an
 * unreachable D1 would, while the zone's bridges stay connected.
 *
 * @example const entries = await uplink.journalAfter(head.revision, 500);
 */
export class ZoneUplink {
  constructor(
    private readonly env: Env,
    private readonly storage: DurableObjectStorage,
  ) {}

  get faultsAllowed(): boolean {
    return this.env.EDGEPLANE_FAULTS === "on";
  }

  async setUnreachable(down: boolean): Promise<void> {
    if (!this.faultsAllowed) throw new Error("fault injection is off (EDGEPLANE_FAULTS)");
    await this.storage.put("fault:uplink-down", down);
  }

  async journalAfter(seq: number, limit: number): Promise<JournalEntry[]> {
    await this.check();
    return new ResourceStore(this.env.DB).journalAfter(seq, limit);
  }

  /** D1's record of a zone token (issued, revoked?); undefined when it was never issued. */
  async zoneToken(id: string): Promise<ZoneTokenRecord | undefined> {
    await this.check();
    return new ZoneTokenStore(this.env.DB).find(id);
  }

  /** Every mesh's workload-token public key and the live revocations, for the bridges' admission checks. */
  async admissionRecords(): Promise<AdmissionRecords> {
    await this.check();
    return new WorkloadTokenStore(this.env.DB).admissionRecords(new Date().toISOString());
  }

  /** Makes this zone known to the global plane (writes wake it); called once a bridge authenticated. */
  async recordSeen(zone: string): Promise<void> {
    await this.check();
    await new ZoneRegistry(this.env.DB).recordSeen(zone, new Date().toISOString());
  }

  /** Stores the report, and wakes the other zones when it was news. */
  async report(report: InventoryReport): Promise<void> {
    await this.check();
    if (await storeInventory(this.env, report)) await wakeOtherZones(this.env, report.zone);
  }

  async remote(zone: string): Promise<RemoteRow[]> {
    await this.check();
    return remoteWorkloads(this.env, zone);
  }

  /** The mesh's newest root opened for signing, and its trust bundle; undefined when it has no CA. */
  async meshCa(mesh: string): Promise<{ root: SigningRoot; bundlePem: string } | undefined> {
    await this.check();
    const root = await signingRoot(this.env, mesh);
    return root ? { root, bundlePem: (await trustBundle(this.env, mesh)).pem } : undefined;
  }

  private async check(): Promise<void> {
    if (this.faultsAllowed && (await this.storage.get<boolean>("fault:uplink-down"))) {
      throw new UplinkDown("D1 / global plane unreachable (injected fault)");
    }
  }
}
