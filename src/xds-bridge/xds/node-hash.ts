import type { Node } from "../../../gen/envoy/config/core/v3/base_pb.js";
import type { ProxyInfo } from "./proxy-callbacks.js";

/**
 * Which snapshot a proxy is served from, and so what it is translated for
 * (go-control-plane's NodeHash): a mesh's, shared by its proxyless gRPC
 * clients; or, for an Envoy sidecar, one of its own, because its listeners
 * depend on the workload it runs next to.
 */
export interface SnapshotTarget {
  readonly mesh: string;
  /** The Workload an Envoy sidecar runs next to; absent for proxyless clients. */
  readonly workload?: string;
}

/** The mesh a proxy belongs to when its node metadata does not say. */
export const DEFAULT_MESH = "default";

const SIDECAR = "/sidecar/";

/**
 * The mesh a node belongs to: its metadata field "mesh" when that is a
 * non-empty string, else "default".
 *
 * @example meshOfNode(create(NodeSchema, { id: "p1", metadata: { mesh: "payments" } })) // "payments"
 */
export function meshOfNode(node: Node): string {
  const mesh = node.metadata?.["mesh"];
  return typeof mesh === "string" && mesh !== "" ? mesh : DEFAULT_MESH;
}

/**
 * The workload an Envoy sidecar runs next to: node metadata
 * `proxyType: "sidecar"` and `workload: "<Workload name>"`; undefined for
 * proxyless clients.
 *
 * @example sidecarWorkloadOf(create(NodeSchema, { id: "e", metadata: { proxyType: "sidecar", workload: "web-1" } })) // "web-1"
 */
export function sidecarWorkloadOf(node: Node): string | undefined {
  const md = node.metadata as Record<string, unknown> | undefined;
  return md?.["proxyType"] === "sidecar" && typeof md["workload"] === "string" && md["workload"] !== "" ? md["workload"] : undefined;
}

/**
 * What a node is served: its mesh, and its workload if it is a sidecar.
 *
 * @example snapshotTargetOf(create(NodeSchema, { id: "p1" })) // { mesh: "default" }
 */
export function snapshotTargetOf(node: Node): SnapshotTarget {
  const mesh = meshOfNode(node);
  const workload = sidecarWorkloadOf(node);
  return workload === undefined ? { mesh } : { mesh, workload };
}

/**
 * The snapshot cache key of a target: the mesh for proxyless clients,
 * `<mesh>/sidecar/<workload>` for a sidecar. A "%" or "/" in the mesh is
 * escaped, so no mesh a proxy claims can spell another target's key (mesh
 * names the API accepts have neither, so their keys read plainly).
 *
 * @example snapshotKeyOf({ mesh: "default", workload: "web-1" }) // "default/sidecar/web-1"
 */
export function snapshotKeyOf(target: SnapshotTarget): string {
  const mesh = target.mesh.replaceAll("%", "%25").replaceAll("/", "%2F");
  return target.workload === undefined ? mesh : `${mesh}${SIDECAR}${target.workload}`;
}

/**
 * The target a snapshot key stands for: the inverse of snapshotKeyOf.
 *
 * @example snapshotTargetOfKey("default/sidecar/web-1") // { mesh: "default", workload: "web-1" }
 */
export function snapshotTargetOfKey(key: string): SnapshotTarget {
  // The escaped mesh has no "/", so the first separator is the one snapshotKeyOf wrote.
  const at = key.indexOf(SIDECAR);
  const unescape = (mesh: string) => mesh.replace(/%2F|%25/g, (e) => (e === "%2F" ? "/" : "%"));
  if (at < 0) return { mesh: unescape(key) };
  return { mesh: unescape(key.slice(0, at)), workload: key.slice(at + SIDECAR.length) };
}

/**
 * What the server knows of a proxy from its first request.
 *
 * @example proxyInfoOf(request.node, 7).snapshotKey // "default" or "default/sidecar/web-1"
 */
export function proxyInfoOf(node: Node, streamId: number): ProxyInfo {
  const target = snapshotTargetOf(node);
  return { id: node.id, mesh: target.mesh, streamId, node, snapshotKey: snapshotKeyOf(target) };
}

/**
 * The snapshot key a proxy is served from (a ProxyInfo made without one,
 * as tests do, is served its mesh's).
 *
 * @example cache.getSnapshot(snapshotKeyOfProxy(proxy))
 */
export function snapshotKeyOfProxy(proxy: ProxyInfo): string {
  return proxy.snapshotKey ?? snapshotKeyOf({ mesh: proxy.mesh });
}
