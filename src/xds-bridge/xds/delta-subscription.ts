import type { EncodedResource } from "./snapshot.js";
import { WILDCARD_NAME } from "./resource-kinds.js";

/** What a delta response for one type must carry to bring the client up to date. */
export interface DeltaChange {
  /** New or changed resources, in name order. */
  readonly updated: EncodedResource[];
  /** Names the client has that are gone from the snapshot, sorted. */
  readonly removed: string[];
}

/**
 * One delta (incremental) xDS stream's view of one type_url: what the client
 * subscribes to and, per resource name, the version (snapshot hash) it has.
 * Unlike `SotwSubscription`, requests carry changes, so this is mutable
 * state that lives as long as the stream. No gRPC here.
 *
 * Wildcard rules (xDS protocol, incremental section):
 * - a first request that subscribes to nothing is a wildcard for LDS and CDS
 *   (the legacy form), and nothing for RDS and EDS;
 * - "*" subscribes to wildcard explicitly; unsubscribing "*" ends it, and the
 *   client itself drops what only the wildcard covered.
 *
 * @example
 *   const sub = DeltaSubscription.first(true, [], {});   // legacy wildcard (CDS)
 *   const { updated, removed } = sub.diff(snapshot.resources(TYPE_URL.cluster));
 */
export class DeltaSubscription {
  private wildcardOn: boolean;
  private readonly names = new Set<string>();
  /** name -> hash the client has: sent by us, or claimed in initial_resource_versions. */
  private readonly known = new Map<string, string>();
  /** `names` sorted, until the next apply() changes them: every push diffs by it. */
  private sorted: readonly string[] | undefined;

  private constructor(wildcard: boolean) {
    this.wildcardOn = wildcard;
  }

  /**
   * The subscription a stream's first request of a type creates, seeded with
   * the versions the client says it already has (from a previous stream).
   *
   * @example DeltaSubscription.first(false, ["echo"], { echo: "3f2a…" }).wildcard // false
   */
  static first(
    emptyMeansWildcard: boolean,
    subscribe: readonly string[],
    initialVersions: Readonly<Record<string, string>>,
  ): DeltaSubscription {
    const sub = new DeltaSubscription(subscribe.length === 0 && emptyMeansWildcard);
    sub.apply(subscribe, []);
    for (const [name, version] of Object.entries(initialVersions)) sub.known.set(name, version);
    return sub;
  }

  /** Whether every resource of the type is subscribed. */
  get wildcard(): boolean {
    return this.wildcardOn;
  }

  /** Names subscribed explicitly (besides any wildcard), sorted. */
  explicitNames(): string[] {
    return [...this.sortedNames()];
  }

  private sortedNames(): readonly string[] {
    this.sorted ??= [...this.names].sort();
    return this.sorted;
  }

  /**
   * Applies one request's resource_names_subscribe, then
   * resource_names_unsubscribe. Returns whether anything changed, i.e.
   * whether the client may now be owed resources.
   *
   * @example sub.apply(["echo-c"], []) // true the first time, false after
   */
  apply(subscribe: readonly string[], unsubscribe: readonly string[]): boolean {
    this.sorted = undefined;
    let changed = false;
    for (const name of subscribe) {
      if (name === WILDCARD_NAME) {
        changed ||= !this.wildcardOn;
        this.wildcardOn = true;
      } else if (!this.names.has(name)) {
        this.names.add(name);
        changed = true;
      }
    }
    for (const name of unsubscribe) {
      if (name === WILDCARD_NAME) {
        changed ||= this.wildcardOn;
        this.wildcardOn = false;
      } else if (this.names.delete(name)) {
        changed = true;
        // The client dropped it; if the wildcard still covers it, it is owed
        // again (go-control-plane does the same), so forget that it has it.
        if (this.wildcardOn) this.known.delete(name);
      }
    }
    return changed;
  }

  /**
   * The change that brings the client from what it has to `resources` (one
   * type of a snapshot), recorded as sent: call it only when the result is
   * then sent. Names it has but no longer subscribes to are forgotten without
   * a removal (the client dropped them when it unsubscribed).
   *
   * @example sub.diff(snapshot.resources(TYPE_URL.cluster)).updated.map((r) => r.name) // ["echo-c"]
   */
  diff(resources: ReadonlyMap<string, EncodedResource>): DeltaChange {
    const updated: EncodedResource[] = [];
    const removed: string[] = [];
    if (this.wildcardOn) {
      for (const resource of resources.values()) {
        if (this.known.get(resource.name) !== resource.hash) updated.push(resource);
      }
      for (const name of this.known.keys()) if (!resources.has(name)) removed.push(name);
    } else {
      for (const name of this.known.keys()) if (!this.names.has(name)) this.known.delete(name);
      // Look up by name rather than scan: EDS subscriptions are a few names
      // out of a mesh's many.
      for (const name of this.sortedNames()) {
        const resource = resources.get(name);
        if (resource) {
          if (this.known.get(name) !== resource.hash) updated.push(resource);
        } else if (this.known.has(name)) {
          removed.push(name);
        }
      }
    }
    for (const resource of updated) this.known.set(resource.name, resource.hash);
    for (const name of removed) this.known.delete(name);
    removed.sort();
    return { updated, removed };
  }
}
