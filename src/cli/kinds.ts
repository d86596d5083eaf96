import { GLOBAL_KINDS, KIND_PLURALS, KINDS, type Kind } from "../contract/resource-types.js";

/** Short names beyond the plural and singular every kind has. */
const SHORT_NAMES: Readonly<Record<string, Kind>> = { svc: "Service" };

/**
 * The kind a command-line word names: plural, singular or short name, in any
 * case.
 *
 * @example resolveKind("SVC") // "Service"
 * @example resolveKind("httproutes") // "HTTPRoute"
 */
export function resolveKind(word: string): Kind | undefined {
  const w = word.toLowerCase();
  return KINDS.find((k) => k.toLowerCase() === w || KIND_PLURALS[k] === w) ?? SHORT_NAMES[w];
}

/** The words `resolveKind` accepts, for usage text and error hints. */
export function kindWords(): string[] {
  return KINDS.map((k) => KIND_PLURALS[k]);
}

/** Mesh and Zone live outside meshes; their URLs have no mesh segment. */
export function isGlobalKind(kind: Kind): boolean {
  return GLOBAL_KINDS.has(kind);
}

/**
 * The API path of one resource, or of the list of its kind without `name`.
 * Segments are URL-encoded: names are validated by the API, not here.
 *
 * @example resourcePath("HTTPRoute", "default", "echo-split") // "/v1/meshes/default/httproutes/echo-split"
 * @example resourcePath("Zone", "default") // "/v1/zones"
 */
export function resourcePath(kind: Kind, mesh: string, name?: string): string {
  const tail = name === undefined ? "" : `/${encodeURIComponent(name)}`;
  if (kind === "Mesh") return `/v1/meshes${tail}`;
  if (kind === "Zone") return `/v1/zones${tail}`;
  return `/v1/meshes/${encodeURIComponent(mesh)}/${KIND_PLURALS[kind]}${tail}`;
}

/**
 * How a resource is named in messages: `HTTPRoute default/echo-split`, or
 * `Zone west` for global kinds.
 *
 * @example describeResource("Service", "default", "echo") // "Service default/echo"
 */
export function describeResource(kind: Kind, mesh: string, name: string): string {
  return isGlobalKind(kind) ? `${kind} ${name}` : `${kind} ${mesh}/${name}`;
}
