import type { ProxyInfo } from "./proxy-callbacks.js";
import { RefusalMemory } from "./refusal-memory.js";
import type { Snapshot } from "./snapshot.js";
import { changedNames } from "./snapshot-changes.js";
import { SubscriptionIndex } from "./subscription-index.js";

/** Called with the new snapshot of the mesh being watched. */
export type SnapshotListener = (snapshot: Snapshot) => void;

/** Where the streams a change skips are reported current (the streams' callbacks). */
export interface CurrentSink {
  onCurrentMany(proxies: readonly ProxyInfo[], typeUrl: string, version: string): void;
}

/** A stream watching a key through its subscriptions (watchSubscriptions). */
export interface IndexedWatcher {
  readonly proxy: ProxyInfo | undefined;
  readonly currentSink: CurrentSink;
  /** Recompute these types against the new snapshot; the others changed nothing it subscribes to. */
  onSnapshotTypes(snapshot: Snapshot, typeUrls: ReadonlySet<string>): void;
}

/** What a stream tells the index of its key; `stop` ends the watch (idempotent). */
export interface SubscriptionHandle {
  set(typeUrl: string, wildcard: boolean, names: Iterable<string>): void;
  /** It owes a first answer on the next snapshot (it had none to answer from). */
  markPending(): void;
  stop(): void;
}

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
  private readonly indexes = new Map<string, SubscriptionIndex<IndexedWatcher>>();
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
    const previous = this.snapshots.get(mesh);
    this.snapshots.set(mesh, snapshot);
    // One failing watcher must not starve the others of the update.
    const errors: unknown[] = [];
    const index = this.indexes.get(mesh);
    if (index) {
      const plan = index.plan(changedNames(previous, snapshot));
      for (const [watcher, types] of plan.visit) {
        try {
          watcher.onSnapshotTypes(snapshot, types);
        } catch (err) {
          errors.push(err);
        }
      }
      // The skipped are current without recomputing anything: one call per type and sink.
      for (const [typeUrl, watchers] of plan.skipped) {
        const bySink = new Map<CurrentSink, ProxyInfo[]>();
        for (const w of watchers) {
          if (!w.proxy) continue;
          let list = bySink.get(w.currentSink);
          if (!list) bySink.set(w.currentSink, (list = []));
          list.push(w.proxy);
        }
        for (const [sink, proxies] of bySink) {
          try {
            sink.onCurrentMany(proxies, typeUrl, snapshot.version);
          } catch (err) {
            errors.push(err);
          }
        }
      }
    }
    const watchers = this.listeners.get(mesh);
    // Copy: a listener may unsubscribe (or subscribe another) while notified.
    for (const listener of [...(watchers ?? [])]) {
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
   * Watches `mesh` through what `watcher` subscribes to: a later setSnapshot
   * visits it only for the types whose changed names concern it (or all of
   * them while it is pending), and reports it current for the rest.
   *
   * @example const handle = cache.watchSubscriptions("default", stream); handle.set(TYPE_URL.cluster, false, ["echo-c"]);
   */
  watchSubscriptions(mesh: string, watcher: IndexedWatcher): SubscriptionHandle {
    let index = this.indexes.get(mesh);
    if (!index) this.indexes.set(mesh, (index = new SubscriptionIndex()));
    const i = index;
    i.add(watcher);
    let stopped = false;
    return {
      set: (typeUrl, wildcard, names) => {
        if (!stopped) i.set(watcher, typeUrl, wildcard, names);
      },
      markPending: () => {
        if (!stopped) i.markPending(watcher);
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        i.remove(watcher);
        if (i.size === 0 && this.indexes.get(mesh) === i) this.indexes.delete(mesh);
      },
    };
  }

  /**
   * How many watchers a mesh has (to check streams clean up after themselves).
   *
   * @example cache.watcherCount("default") // 0 once every stream closed
   */
  watcherCount(mesh: string): number {
    return (this.listeners.get(mesh)?.size ?? 0) + (this.indexes.get(mesh)?.size ?? 0);
  }

  /** Meshes that have a snapshot, sorted. */
  meshes(): string[] {
    return [...this.snapshots.keys()].sort();
  }
}
