import type { SharedHold } from "./refusal-memory.js";
import type { EncodedResource } from "./snapshot.js";

/** What a proxy refused and is being kept away from, for one type. */
export interface HeldState {
  /** Resource names held back (empty: nothing held any more). */
  names: string[];
  /** The version_info of the response the proxy refused. */
  rejectedVersion: string;
  errorDetail: string;
}

interface Hold {
  /** The content the proxy refused. */
  badHash: string;
  /** What it accepted last under that name; undefined for a resource it never had. */
  keep: EncodedResource | undefined;
}

/**
 * Poison isolation for one proxy and one xDS type (issue 5). When the proxy
 * refuses a state-of-the-world response, the resources that changed since
 * the response it last accepted are the suspects: each is held on the
 * version the proxy accepted (or left out, if it never had one) in every
 * later response, so the proxy keeps a config it accepts and every other
 * update still reaches it. A hold ends as soon as the resource changes again
 * (someone fixed it); the proxy then gets, and judges, the new version.
 *
 * @example
 * const held = holds.onNack(lastSent, lastAcked, "12.0.0", "invalid regex");
 * const { resources } = holds.apply(snapshot.select(typeUrl, subscription));
 */
export class PoisonHolds {
  private readonly holds = new Map<string, Hold>();
  private rejectedVersion = "";
  private errorDetail = "";

  get active(): boolean {
    return this.holds.size > 0;
  }

  state(): HeldState {
    return { names: [...this.holds.keys()].sort(), rejectedVersion: this.rejectedVersion, errorDetail: this.errorDetail };
  }

  /**
   * The proxy refused `sent` while running `acked`: hold what differs.
   * Returns true when a new hold was placed (a re-push can then succeed).
   */
  onNack(sent: readonly EncodedResource[], acked: ReadonlyMap<string, EncodedResource>, rejectedVersion: string, errorDetail: string): boolean {
    let placed = false;
    for (const r of sent) {
      const kept = acked.get(r.name);
      if (kept?.hash === r.hash || this.holds.get(r.name)?.badHash === r.hash) continue;
      this.holds.set(r.name, { badHash: r.hash, keep: kept });
      placed = true;
    }
    if (placed) {
      this.rejectedVersion = rejectedVersion;
      this.errorDetail = errorDetail;
    }
    return placed;
  }

  /** The holds in place, by name: what another proxy of the same key should also be kept from. */
  entries(): { name: string; badHash: string; keep: EncodedResource | undefined }[] {
    return [...this.holds].map(([name, h]) => ({ name, badHash: h.badHash, keep: h.keep }));
  }

  /**
   * Takes over what other proxies of the same snapshot key refused (a proxy
   * that connects after a NACK must not start on the refused content).
   * Returns true when a hold was placed.
   */
  adopt(shared: ReadonlyMap<string, SharedHold>): boolean {
    let placed = false;
    for (const [name, s] of shared) {
      if (this.holds.has(name)) continue;
      this.holds.set(name, { badHash: s.badHash, keep: s.keep });
      this.rejectedVersion = s.rejectedVersion;
      this.errorDetail = s.errorDetail;
      placed = true;
    }
    return placed;
  }

  /**
   * The resources to send instead of `selected`: held ones replaced by what
   * the proxy accepted (or dropped). `released` is true when a hold ended
   * because its resource changed.
   */
  apply(selected: readonly EncodedResource[]): { resources: EncodedResource[]; released: boolean } {
    let released = false;
    const resources: EncodedResource[] = [];
    for (const r of selected) {
      const hold = this.holds.get(r.name);
      if (!hold) {
        resources.push(r);
      } else if (hold.badHash !== r.hash) {
        this.holds.delete(r.name);
        released = true;
        resources.push(r);
      } else if (hold.keep) {
        resources.push(hold.keep);
      }
    }
    // A held resource that left the snapshot needs holding no more.
    const present = new Set(selected.map((r) => r.name));
    for (const name of [...this.holds.keys()]) {
      if (!present.has(name)) {
        this.holds.delete(name);
        released = true;
      }
    }
    return { resources, released };
  }
}
