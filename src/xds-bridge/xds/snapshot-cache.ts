import { RefusalMemory } from "./refusal-memory.js";
import type { Snapshot } from "./snapshot.js";

/** Called with the new snapshot of the mesh being watched. */
export type SnapshotListener = (snapshot: Snapshot) => void;

/**
 * The latest snapshot per key (a mesh, or one sidecar: node-hash.ts), and
 * who wants to hear about the next one.
 * Knows nothing about gRPC or streams (go-control-plane's cache/server
 * split): the ADS server watches it, the translation side sets it.
 *
 * @example
 *   const cache = new SnapshotCache();
 *   const stop = cache.watch("default", (s) => console.log(s.version));
 *   cache.setSnapshot("default", new Snapshot(resources, "1")); // logs "1"
 *   stop();
 */
export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly listeners = new Map<string, Set<SnapshotListener>>();
  /** What the proxies of each key refused (refusal-memory.ts): later proxies of the key start without it. */
  readonly refusals = new RefusalMemory();

  /**
   * Replaces the mesh's snapshot and notifies that mesh's watchers, and only
   * them, synchronously: when this returns, every stream has queued its pushes.
   * Every watcher is called even if one throws; the errors are then rethrown
   * together as an AggregateError.
   *
   * @example cache.setSnapshot("payments", new Snapshot(resources, "7"));
   */
  setSnapshot(mesh: string, snapshot: Snapshot): void {
    this.snapshots.set(mesh, snapshot);
    const watchers = this.listeners.get(mesh);
    if (!watchers) return;
    // Copy: a listener may unsubscribe (or subscribe another) while notified.
    // One failing watcher must not starve the others of the update.
    const errors: unknown[] = [];
    for (const listener of [...watchers]) {
      try {
        listener(snapshot);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} watcher(s) of mesh "${mesh}" failed`);
  }

  /**
   * The mesh's current snapshot, or undefined before the first one is set.
   *
   * @example cache.getSnapshot("default")?.version
   */
  getSnapshot(mesh: string): Snapshot | undefined {
    return this.snapshots.get(mesh);
  }

  /**
   * Calls `listener` on every later setSnapshot of `mesh` (not with the
   * current one: the caller reads that with getSnapshot). Returns the
   * function that stops watching; calling it twice is harmless.
   *
   * @example const unsubscribe = cache.watch("default", onSnapshot);
   */
  watch(mesh: string, listener: SnapshotListener): () => void {
    let watchers = this.listeners.get(mesh);
    if (!watchers) {
      watchers = new Set();
      this.listeners.set(mesh, watchers);
    }
    // Wrap so the same function can watch twice and each unsubscribe is exact.
    const entry: SnapshotListener = (snapshot) => listener(snapshot);
    watchers.add(entry);
    return () => {
      const current = this.listeners.get(mesh);
      if (!current) return;
      current.delete(entry);
      if (current.size === 0) this.listeners.delete(mesh);
    };
  }

  /**
   * How many watchers a mesh has (to check streams clean up after themselves).
   *
   * @example cache.watcherCount("default") // 0 once every stream closed
   */
  watcherCount(mesh: string): number {
    return this.listeners.get(mesh)?.size ?? 0;
  }

  /** Meshes that have a snapshot, sorted. */
  meshes(): string[] {
    return [...this.snapshots.keys()].sort();
  }
}
