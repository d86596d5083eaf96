import { createHash } from "node:crypto";
import type { Any } from "@bufbuild/protobuf/wkt";
import type { XdsResources } from "../xds-resources.js";
import { RESOURCE_KINDS, type ResourceKind } from "./resource-kinds.js";
import type { SotwSubscription } from "./sotw-subscription.js";

/** One resource, encoded once, shared by every response that carries it. */
export interface EncodedResource {
  readonly name: string;
  readonly any: Any;
  /** sha1 hex of the encoded bytes: equal hashes mean the proxy has nothing new. */
  readonly hash: string;
}

const EMPTY: ReadonlyMap<string, EncodedResource> = new Map();

/** Resources the bridge itself would not serve in a snapshot (a regex no proxy could compile): held back like a NACK. */
export interface Refused {
  names: string[];
  errorDetail: string;
}

/**
 * An immutable, fully encoded view of one mesh's xDS resources at one
 * version. Built once per change; the ADS server fans the same Any objects
 * out to every proxy of the mesh, so nothing is encoded per proxy.
 *
 * @example
 *   const snap = new Snapshot({ listeners, routes, clusters, endpoints }, "42");
 *   snap.resources(TYPE_URL.cluster).get("echo-c")?.hash;
 */
export class Snapshot {
  readonly version: string;
  private readonly byType = new Map<string, ReadonlyMap<string, EncodedResource>>();
  /** Per type, the message list it was built from and its encodings, position by position: the next snapshot matches by position first. */
  private readonly lists = new Map<string, TypeList>();
  /** Tells snapshots apart for `changesSince` without holding the previous one alive. */
  private readonly serial = ++serials;
  /** Names whose resource differs from the `previous` this was built on (serial `base`), per type; undefined when not worked out here. */
  private readonly diff: { base: number; names: Map<string, Set<string>> } | undefined;

  /** Per type: what the bridge held back from this snapshot (snapshot-publisher.ts). */
  readonly refused: ReadonlyMap<string, Refused>;

  /**
   * `previous`: a snapshot whose message objects this one may share (the
   * incremental translator hands unchanged resources over as the same
   * objects); those are not encoded or hashed again. Message objects are
   * taken as immutable once they are in a snapshot.
   */
  constructor(resources: XdsResources, version: string, previous?: Snapshot, refused: ReadonlyMap<string, Refused> = new Map()) {
    this.version = version;
    this.refused = refused;
    const diff = new Map<string, Set<string>>();
    let diffed = previous !== undefined;
    for (const kind of RESOURCE_KINDS) {
      const before = previous?.byType.get(kind.typeUrl);
      const built = buildType(kind, resources, version, before, previous?.lists.get(kind.typeUrl));
      this.byType.set(kind.typeUrl, built.byName);
      this.lists.set(kind.typeUrl, built.list);
      if (built.changed === undefined) diffed = false;
      else if (built.changed.size > 0) diff.set(kind.typeUrl, built.changed);
    }
    this.diff = diffed && previous ? { base: previous.serial, names: diff } : undefined;
  }

  /**
   * Per type, the names whose resource (by hash) was added, changed or
   * removed since `previous`, when this snapshot was built on exactly that
   * one and could tell while building; undefined otherwise (compare them).
   * Refusals are not counted here (snapshot-changes.ts adds them).
   */
  changesSince(previous: Snapshot): ReadonlyMap<string, ReadonlySet<string>> | undefined {
    return this.diff?.base === previous.serial ? this.diff.names : undefined;
  }

  /**
   * All resources of one type, keyed by name, iterating in name order; empty
   * for a type the snapshot does not carry.
   *
   * @example [...snap.resources(TYPE_URL.listener).keys()] // ["echo"]
   */
  resources(typeUrl: string): ReadonlyMap<string, EncodedResource> {
    return this.byType.get(typeUrl) ?? EMPTY;
  }

  /** The types this snapshot carries. */
  typeUrls(): string[] {
    return [...this.byType.keys()];
  }

  /**
   * The resources a subscription receives, sorted by name. Subscribed names
   * missing from the snapshot are simply absent (SotW: for RDS/EDS absence is
   * "no information", for LDS/CDS the proxy treats it as deleted).
   *
   * @example snap.select(TYPE_URL.route, SotwSubscription.of(["echo"])).map((r) => r.name) // ["echo"]
   */
  select(typeUrl: string, subscription: SotwSubscription): EncodedResource[] {
    const all = this.resources(typeUrl);
    if (subscription.wildcard) return [...all.values()];
    // Look up by name rather than scan: EDS subscriptions are a few names
    // out of a mesh's many.
    const picked: EncodedResource[] = [];
    for (const name of [...subscription.names].sort()) {
      const resource = all.get(name);
      if (resource) picked.push(resource);
    }
    return picked;
  }
}

let serials = 0;

/**
 * Every message object's encoding, by identity: a snapshot built on a
 * previous one encodes and hashes only the objects that are new (the
 * incremental translator hands unchanged services' resources over as the
 * same objects).
 */
const ENCODED = new WeakMap<object, EncodedResource>();

function encodedOf(kind: ResourceKind, message: object, reuse: boolean): EncodedResource {
  let e = reuse ? ENCODED.get(message) : undefined;
  if (!e) {
    const { name, any } = kind.encode(message);
    e = { name, any, hash: sha1(any.value) };
    ENCODED.set(message, e);
  }
  return e;
}

/** The messages of one type a snapshot was built from, and their encodings in the same (name) order. */
interface TypeList {
  readonly messages: readonly object[];
  readonly encoded: readonly EncodedResource[];
}

interface BuiltType {
  readonly byName: ReadonlyMap<string, EncodedResource>;
  /** Names added, changed (by hash) or removed since `before`; undefined without one. */
  readonly changed: Set<string> | undefined;
  readonly list: TypeList;
}

/**
 * One type's resources by name, in name order, and (with a previous
 * snapshot's) the names that differ from it by hash. Translation hands
 * resources over sorted, so the common case is one merge-walk against the
 * previous list, where an unchanged resource costs an identity check.
 */
function buildType(kind: ResourceKind, resources: XdsResources, version: string, before: ReadonlyMap<string, EncodedResource> | undefined, beforeList: TypeList | undefined): BuiltType {
  const messages = kind.messages(resources);
  if (before && beforeList) {
    const merged = mergeWalk(kind, messages, before, beforeList);
    if (merged) return merged;
  }
  // Message and encoding side by side: the list kept for the next snapshot pairs them in name order.
  const pairs = messages.map((m) => ({ m, e: encodedOf(kind, m, before !== undefined) }));
  // Insertion order is name order, so every consumer iterates sorted.
  pairs.sort((a, b) => (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0));
  const encoded = pairs.map((p) => p.e);
  const byName = new Map<string, EncodedResource>();
  for (const resource of encoded) {
    // Two resources with one name would make the proxy's view depend on
    // order; that is a translation bug, so fail loudly where it is made.
    if (byName.has(resource.name)) {
      throw new Error(`snapshot ${version}: duplicate ${kind.typeUrl} named "${resource.name}"`);
    }
    byName.set(resource.name, resource);
  }
  const list = { messages: pairs.map((p) => p.m), encoded };
  if (!before) return { byName, changed: undefined, list };
  const changed = new Set<string>();
  for (const [name, r] of byName) if (before.get(name)?.hash !== r.hash) changed.add(name);
  for (const name of before.keys()) if (!byName.has(name)) changed.add(name);
  return { byName, changed, list };
}

/**
 * buildType for messages in strictly ascending name order (unique, so
 * nothing to sort or check), walking them alongside the previous list
 * (sorted too): the very object at the walk's position in the previous
 * list keeps its encoding without a lookup. Undefined when the messages are
 * not in that order.
 */
function mergeWalk(kind: ResourceKind, messages: readonly object[], before: ReadonlyMap<string, EncodedResource>, list: TypeList): BuiltType | undefined {
  const encoded: EncodedResource[] = new Array<EncodedResource>(messages.length);
  const changed = new Set<string>();
  const was = list.encoded;
  let j = 0;
  let identical = 0;
  let last: string | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    let e: EncodedResource;
    if (j < was.length && m === list.messages[j]) {
      e = was[j]!;
      j += 1;
      identical += 1;
    } else {
      e = encodedOf(kind, m, true);
      // Names the previous list has before this one are gone (the rest comes in order).
      while (j < was.length && was[j]!.name < e.name) changed.add(was[j++]!.name);
      if (j < was.length && was[j]!.name === e.name) {
        if (was[j]!.hash !== e.hash) changed.add(e.name);
        j += 1;
      } else {
        changed.add(e.name);
      }
    }
    if (last !== undefined && !(last < e.name)) return undefined;
    last = e.name;
    encoded[i] = e;
  }
  while (j < was.length) changed.add(was[j++]!.name);
  // The same objects under the same names: the previous map serves as is.
  if (identical === was.length && identical === messages.length) return { byName: before, changed, list: { messages, encoded: was } };
  const byName = new Map<string, EncodedResource>();
  for (const resource of encoded) byName.set(resource.name, resource);
  return { byName, changed, list: { messages, encoded } };
}

function sha1(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}
