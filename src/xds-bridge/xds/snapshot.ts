import { createHash } from "node:crypto";
import type { Any } from "@bufbuild/protobuf/wkt";
import type { XdsResources } from "../xds-resources.js";
import { RESOURCE_KINDS } from "./resource-kinds.js";
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
  /** message object -> its encoding, so the next snapshot can reuse it. */
  private readonly byMessage = new WeakMap<object, EncodedResource>();

  /**
   * `previous`: a snapshot whose message objects this one may share (the
   * incremental translator hands unchanged resources over as the same
   * objects); those are not encoded or hashed again.
   */
  /** Per type: what the bridge held back from this snapshot (snapshot-publisher.ts). */
  readonly refused: ReadonlyMap<string, Refused>;

  constructor(resources: XdsResources, version: string, previous?: Snapshot, refused: ReadonlyMap<string, Refused> = new Map()) {
    this.version = version;
    this.refused = refused;
    for (const kind of RESOURCE_KINDS) {
      const encoded = kind.messages(resources).map((m) => {
        let e = previous?.byMessage.get(m);
        if (!e) {
          const { name, any } = kind.encode(m);
          e = { name, any, hash: sha1(any.value) };
        }
        this.byMessage.set(m, e);
        return e;
      });
      // Insertion order is name order, so every consumer iterates sorted.
      encoded.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const byName = new Map<string, EncodedResource>();
      for (const resource of encoded) {
        // Two resources with one name would make the proxy's view depend on
        // order; that is a translation bug, so fail loudly where it is made.
        if (byName.has(resource.name)) {
          throw new Error(`snapshot ${version}: duplicate ${kind.typeUrl} named "${resource.name}"`);
        }
        byName.set(resource.name, resource);
      }
      this.byType.set(kind.typeUrl, byName);
    }
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

function sha1(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}
