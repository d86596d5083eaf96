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
      const built = buildType(kind, resources, version, before);
      this.byType.set(kind.typeUrl, built.byName);
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

/**
 * One type's resources by name, in name order, and (with `before`) the
 * names that differ from it by hash. Translation hands resources over
 * sorted, so the common case is one pass; when the names are the same as
 * before and nothing changed, `before` itself is kept. `changed` is
 * undefined when it was not worked out (no `before`).
 */
function buildType(kind: ResourceKind, resources: XdsResources, version: string, before: ReadonlyMap<string, EncodedResource> | undefined): { byName: ReadonlyMap<string, EncodedResource>; changed: Set<string> | undefined } {
  const messages = kind.messages(resources);
  const encoded: EncodedResource[] = new Array<EncodedResource>(messages.length);
  let ascending = true;
  let sameNames = before !== undefined && before.size === messages.length;
  const changed = new Set<string>();
  let identical = 0;
  let last: string | undefined;
  for (let i = 0; i < messages.length; i++) {
    const e = encodedOf(kind, messages[i]!, before !== undefined);
    encoded[i] = e;
    if (last !== undefined && !(last < e.name)) ascending = false;
    last = e.name;
    if (!before) continue;
    const was = before.get(e.name);
    if (was === undefined) sameNames = false;
    else if (was === e) identical += 1;
    else if (was !== e && was.hash !== e.hash) changed.add(e.name);
  }
  // Strictly ascending names are unique: nothing to sort or check.
  if (!ascending) {
    // Insertion order is name order, so every consumer iterates sorted.
    encoded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  // The same objects under the same (unique) names: the previous map serves as is.
  if (before && ascending && sameNames && identical === encoded.length) {
    return { byName: before, changed };
  }
  const byName = new Map<string, EncodedResource>();
  for (const resource of encoded) {
    // Two resources with one name would make the proxy's view depend on
    // order; that is a translation bug, so fail loudly where it is made.
    if (!ascending && byName.has(resource.name)) {
      throw new Error(`snapshot ${version}: duplicate ${kind.typeUrl} named "${resource.name}"`);
    }
    byName.set(resource.name, resource);
  }
  if (!before) return { byName, changed: undefined };
  if (!sameNames) {
    for (const [name, r] of byName) if (before.get(name)?.hash !== r.hash) changed.add(name);
    for (const name of before.keys()) if (!byName.has(name)) changed.add(name);
  }
  return { byName, changed };
}

function sha1(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}
