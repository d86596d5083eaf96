import { WILDCARD_NAME } from "./resource-kinds.js";

/**
 * What one state-of-the-world stream subscribes to for one type_url, following
 * the SotW rules of
 * the xDS protocol:
 * - "*" among the names: wildcard (all resources), plus the other names;
 * - an empty first request for LDS/CDS: legacy wildcard, kept as long as the
 *   client keeps sending empty lists;
 * - an empty list otherwise: nothing (RDS/EDS first request, or a client that
 *   named resources before and now unsubscribes from all of them);
 * - any other list: exactly those names.
 */
export class SotwSubscription {
  private constructor(
    readonly wildcard: boolean,
    readonly names: ReadonlySet<string>,
    /** Wildcard only because the list was empty (see class doc). */
    private readonly legacyWildcard: boolean,
  ) {}

  /**
   * An explicit subscription; "*" makes it a wildcard.
   *
   * @example SotwSubscription.of(["echo"]).names.has("echo") // true
   */
  static of(names: Iterable<string>): SotwSubscription {
    const set = new Set(names);
    const wildcard = set.delete(WILDCARD_NAME);
    return new SotwSubscription(wildcard, set, false);
  }

  /**
   * The subscription a DiscoveryRequest asks for, given the previous one on
   * the stream (undefined on the first request of that type).
   *
   * @example SotwSubscription.fromRequest(undefined, [], true).wildcard // true (first LDS request)
   */
  static fromRequest(
    previous: SotwSubscription | undefined,
    names: readonly string[],
    emptyMeansWildcard: boolean,
  ): SotwSubscription {
    if (names.length > 0) return SotwSubscription.of(names);
    const legacy = previous === undefined ? emptyMeansWildcard : previous.legacyWildcard;
    return new SotwSubscription(legacy, new Set(), legacy);
  }

  /** Same resources requested (how the wildcard was spelled does not matter). */
  equals(other: SotwSubscription): boolean {
    if (this.wildcard !== other.wildcard || this.names.size !== other.names.size) return false;
    for (const name of this.names) if (!other.names.has(name)) return false;
    return true;
  }
}
