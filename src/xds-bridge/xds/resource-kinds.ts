import { fromBinary, toJson, type JsonValue, type Message, type Registry } from "@bufbuild/protobuf";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { anyPack, type Any } from "@bufbuild/protobuf/wkt";
import { ClusterSchema } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../gen/envoy/config/route/v3/route_pb.js";
import { SecretSchema } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { TYPE_URL, type XdsResources } from "../xds-resources.js";

/** The xDS name that explicitly asks for every resource of a type (SotW and delta alike). */
export const WILDCARD_NAME = "*";

/**
 * What the serving core needs to know about one xDS resource type: how to
 * pull it out of an XdsResources, how to name it, and whether an empty first
 * subscription means "everything" (LDS and CDS) or "nothing" (RDS and EDS).
 * The generic message type is hidden behind closures so callers can iterate
 * over the kinds without a union of schemas.
 */
export interface ResourceKind {
  readonly typeUrl: string;
  /** xDS legacy wildcard: an empty first request subscribes to all resources. */
  readonly emptyMeansWildcard: boolean;
  /** The messages of this kind, as objects (identity is what Snapshot reuses by). */
  messages(resources: XdsResources): readonly object[];
  /** Packs one message of this kind (one of `messages`). */
  encode(message: object): { name: string; any: Any };
  /** The resource name inside an encoded resource of this kind. */
  nameOfEncoded(value: Uint8Array): string;
  /** An encoded resource as proto JSON; Any fields render for types in `registry`. */
  toJson(value: Uint8Array, registry?: Registry): JsonValue;
}

function kind<T extends Message>(
  typeUrl: string,
  schema: GenMessage<T>,
  pick: (resources: XdsResources) => readonly T[],
  nameOf: (message: T) => string,
  emptyMeansWildcard: boolean,
): ResourceKind {
  return {
    typeUrl,
    emptyMeansWildcard,
    messages: (resources) => pick(resources),
    // Only ever called with objects `messages` returned for this kind.
    encode: (m) => ({ name: nameOf(m as T), any: anyPack(schema, m as T) }),
    nameOfEncoded: (value) => nameOf(fromBinary(schema, value)),
    toJson: (value, registry) => toJson(schema, fromBinary(schema, value), registry ? { registry } : {}),
  };
}

/**
 * The order pushes go out in after a change: clusters before their
 * endpoints, listeners before their routes, and clusters before the
 * listeners whose routes name them (Envoy's warming order; make before
 * break for added resources); secrets before the TLS contexts that name them.
 */
export const PUSH_ORDER: readonly string[] = [TYPE_URL.secret, TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route];

/** The types a stream subscribes to, in PUSH_ORDER (others last, as subscribed). */
export function inPushOrder<T>(types: ReadonlyMap<string, T>): [string, T][] {
  const rank = (t: string) => {
    const i = PUSH_ORDER.indexOf(t);
    return i < 0 ? PUSH_ORDER.length : i;
  };
  return [...types].sort((a, b) => rank(a[0]) - rank(b[0]));
}

/** The resource types the ADS server serves, in xDS dependency order (Secrets: SDS, for Envoy sidecars). */
export const RESOURCE_KINDS: readonly ResourceKind[] = [
  kind(TYPE_URL.listener, ListenerSchema, (r) => r.listeners, (m) => m.name, true),
  kind(TYPE_URL.route, RouteConfigurationSchema, (r) => r.routes, (m) => m.name, false),
  kind(TYPE_URL.cluster, ClusterSchema, (r) => r.clusters, (m) => m.name, true),
  kind(TYPE_URL.endpoint, ClusterLoadAssignmentSchema, (r) => r.endpoints, (m) => m.clusterName, false),
  kind(TYPE_URL.secret, SecretSchema, (r) => r.secrets ?? [], (m) => m.name, false),
];

const BY_TYPE_URL = new Map(RESOURCE_KINDS.map((k) => [k.typeUrl, k]));

/**
 * The kind for a type_url, or undefined for a type this server does not serve.
 *
 * @example resourceKind(TYPE_URL.cluster)?.emptyMeansWildcard // true
 */
export function resourceKind(typeUrl: string): ResourceKind | undefined {
  return BY_TYPE_URL.get(typeUrl);
}

/**
 * The name of the resource an Any carries (decodes it; for tests and debugging,
 * not for the serving path).
 *
 * @example resourceNameOf(response.resources[0]) // "echo"
 */
export function resourceNameOf(any: Any): string {
  const k = resourceKind(any.typeUrl);
  if (!k) throw new Error(`not an xDS resource type this server serves: ${any.typeUrl}`);
  return k.nameOfEncoded(any.value);
}
