/** What a snapshot changed, per type: names added, changed or removed. Undefined: treat everything as changed. */
export type ChangedNames = ReadonlyMap<string, ReadonlySet<string>>;

/** One type of a change: which streams must look at it, which are left as they are. */
export interface FanoutPlan<S> {
  /** Per stream, the types it must recompute (in no particular order). */
  readonly visit: ReadonlyMap<S, ReadonlySet<string>>;
  /** Per type, the streams subscribed to it that nothing of the change concerns. */
  readonly skipped: ReadonlyMap<string, readonly S[]>;
}

interface TypeEntry<S> {
  readonly byName: Map<string, Set<S>>;
  readonly wildcard: Set<S>;
  /** Every stream with a subscription of this type, however it subscribes. */
  readonly all: Set<S>;
}

interface Subscribed {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
}

/**
 * The streams of one snapshot key, indexed by the resource names they
 * subscribe to per type, so a snapshot that changed a few names is
 * recomputed only by the streams those names concern: their subscribers,
 * the type's wildcard subscribers, and streams marked pending (they owe a
 * first answer, whatever changed). No gRPC and no protocol here: SotW and
 * delta streams tell it what they subscribe to after every request.
 *
 * @example
 *   const index = new SubscriptionIndex<string>();
 *   index.set("a", TYPE_URL.cluster, false, ["echo-c"]);
 *   index.plan(new Map([[TYPE_URL.cluster, new Set(["other"])]])).skipped.get(TYPE_URL.cluster) // ["a"]
 */
export class SubscriptionIndex<S> {
  private readonly byType = new Map<string, TypeEntry<S>>();
  /** stream -> type -> what it subscribes to, to undo it on the next set or on remove. */
  private readonly streams = new Map<S, Map<string, Subscribed>>();
  private readonly pending = new Set<S>();

  /** How many streams are indexed. */
  get size(): number {
    return this.streams.size;
  }

  /** Indexes a stream that subscribes to nothing yet (set adds it too). */
  add(stream: S): void {
    if (!this.streams.has(stream)) this.streams.set(stream, new Map());
  }

  /** Replaces what `stream` subscribes to of `typeUrl`. */
  set(stream: S, typeUrl: string, wildcard: boolean, names: Iterable<string>): void {
    let types = this.streams.get(stream);
    if (!types) this.streams.set(stream, (types = new Map()));
    const previous = types.get(typeUrl);
    const entry = this.entry(typeUrl);
    if (previous) this.unindex(stream, entry, previous);
    const next: Subscribed = { wildcard, names: new Set(names) };
    types.set(typeUrl, next);
    entry.all.add(stream);
    if (wildcard) entry.wildcard.add(stream);
    for (const name of next.names) {
      let set = entry.byName.get(name);
      if (!set) entry.byName.set(name, (set = new Set()));
      set.add(stream);
    }
  }

  /** The stream owes an answer on the next snapshot, whatever it changes (it had none to answer from). */
  markPending(stream: S): void {
    if (this.streams.has(stream)) this.pending.add(stream);
  }

  /** The stream is gone: no later plan names it. */
  remove(stream: S): void {
    const types = this.streams.get(stream);
    this.pending.delete(stream);
    if (!types) return;
    for (const [typeUrl, subscribed] of types) {
      const entry = this.entry(typeUrl);
      this.unindex(stream, entry, subscribed);
      entry.all.delete(stream);
      if (entry.all.size === 0) this.byType.delete(typeUrl);
    }
    this.streams.delete(stream);
  }

  /**
   * Who must recompute what after a snapshot that changed `changed`
   * (undefined: every stream every type, as for a key's first snapshot).
   * Pending marks are consumed: the visit answers them.
   */
  plan(changed: ChangedNames | undefined): FanoutPlan<S> {
    const visit = new Map<S, Set<string>>();
    const skipped = new Map<string, S[]>();
    const add = (stream: S, typeUrl: string) => {
      let types = visit.get(stream);
      if (!types) visit.set(stream, (types = new Set()));
      types.add(typeUrl);
    };
    for (const stream of this.pending) for (const typeUrl of this.streams.get(stream)?.keys() ?? []) add(stream, typeUrl);
    this.pending.clear();
    for (const [typeUrl, entry] of this.byType) {
      const names = changed === undefined ? undefined : (changed.get(typeUrl) ?? new Set<string>());
      if (names === undefined) {
        for (const stream of entry.all) add(stream, typeUrl);
        continue;
      }
      if (names.size > 0) {
        for (const stream of entry.wildcard) add(stream, typeUrl);
        // Whichever side is smaller: a change of many names meets few subscribers, and the reverse.
        if (names.size <= entry.byName.size) {
          for (const name of names) for (const stream of entry.byName.get(name) ?? []) add(stream, typeUrl);
        } else {
          for (const [name, streams] of entry.byName) if (names.has(name)) for (const stream of streams) add(stream, typeUrl);
        }
      }
      const rest: S[] = [];
      for (const stream of entry.all) if (!visit.get(stream)?.has(typeUrl)) rest.push(stream);
      if (rest.length > 0) skipped.set(typeUrl, rest);
    }
    return { visit, skipped };
  }

  private entry(typeUrl: string): TypeEntry<S> {
    let entry = this.byType.get(typeUrl);
    if (!entry) this.byType.set(typeUrl, (entry = { byName: new Map(), wildcard: new Set(), all: new Set() }));
    return entry;
  }

  private unindex(stream: S, entry: TypeEntry<S>, subscribed: Subscribed): void {
    entry.wildcard.delete(stream);
    for (const name of subscribed.names) {
      const set = entry.byName.get(name);
      if (!set) continue;
      set.delete(stream);
      if (set.size === 0) entry.byName.delete(name);
    }
  }
}
