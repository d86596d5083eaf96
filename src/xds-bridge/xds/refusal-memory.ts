import type { EncodedResource } from "./snapshot.js";

/** What one proxy refused, remembered for the other proxies of its snapshot key. */
export interface SharedHold {
  /** The content refused. */
  badHash: string;
  /** What that proxy accepted last under the name; undefined if it never had one. */
  keep: EncodedResource | undefined;
  rejectedVersion: string;
  errorDetail: string;
}

/**
 * The resources proxies refused, per snapshot key and type, so that a proxy
 * connecting later starts on what they accepted instead of what they
 * refused (hardening issue: a client that connected after a NACK received
 * the refused cluster and failed its calls). Proxies of one key run the same
 * kind of client on the same configuration; a hold ends for everyone once
 * the resource changes (PoisonHolds releases a hold whose hash differs).
 *
 * @example
 * memory.remember("default", TYPE_URL.cluster, "outbound|50051||echo.default", hold);
 * holds.adopt(memory.of("default", TYPE_URL.cluster));
 */
export class RefusalMemory {
  private readonly byKey = new Map<string, Map<string, Map<string, SharedHold>>>();

  remember(key: string, typeUrl: string, name: string, hold: SharedHold): void {
    let types = this.byKey.get(key);
    if (!types) this.byKey.set(key, (types = new Map()));
    let names = types.get(typeUrl);
    if (!names) types.set(typeUrl, (names = new Map()));
    names.set(name, hold);
  }

  /** Forgets a refusal once its resource changed (only if it is still that content). */
  forget(key: string, typeUrl: string, name: string, badHash: string): void {
    const names = this.byKey.get(key)?.get(typeUrl);
    if (names?.get(name)?.badHash === badHash) names.delete(name);
  }

  of(key: string, typeUrl: string): ReadonlyMap<string, SharedHold> {
    return this.byKey.get(key)?.get(typeUrl) ?? new Map();
  }
}
