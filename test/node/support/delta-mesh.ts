import type { Cluster_LbPolicy } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import type { DeltaDiscoveryResponse } from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { TYPE_URL, type XdsResources } from "../../../src/xds-bridge/xds-resources.js";
import { apiListener, edsCluster, loadAssignment, routeTo } from "./echo-xds-resources.js";
import type { RawDeltaClient } from "./raw-delta-client.js";

// The mesh, handshake and barrier the delta ADS server tests share.

const { listener: LDS, route: RDS, cluster: CDS, endpoint: EDS } = TYPE_URL;
/** Routes barrier-1..N: one per `barrier` call in a test file. */
const BARRIERS = 40;

/** Services <s> (listener and route <s>, cluster and endpoints <s>-c), plus routes barrier-N. */
export interface MeshSpec {
  services?: string[];
  lb?: Record<string, Cluster_LbPolicy>;
  port?: Record<string, number>;
}

/**
 * The resources of `spec` (services a, b and c by default), with the barrier
 * routes and `extraRoutes` (all to a-c).
 *
 * @example fx.setSnapshot("m", deltaMesh({ lb: { b: Cluster_LbPolicy.RING_HASH } }), "v2")
 */
export function deltaMesh(spec: MeshSpec = {}, extraRoutes: string[] = []): XdsResources {
  const r: XdsResources = { listeners: [], routes: [], clusters: [], endpoints: [] };
  for (const s of spec.services ?? ["a", "b", "c"]) {
    r.listeners.push(apiListener(s));
    r.routes.push(routeTo(s, `${s}-c`));
    r.clusters.push(edsCluster(`${s}-c`, spec.lb?.[s]));
    r.endpoints.push(loadAssignment(`${s}-c`, [{ port: spec.port?.[s] ?? 1111 }]));
  }
  for (let i = 1; i <= BARRIERS; i++) r.routes.push(routeTo(`barrier-${i}`, "a-c"));
  for (const name of extraRoutes) r.routes.push(routeTo(name, "a-c"));
  return r;
}

/**
 * Subscribes to all four types like Envoy would (wildcard LDS/CDS, named RDS/EDS), ACKing each.
 *
 * @example const { cds } = await handshake(fx.delta({ id: "p1", mesh: "m" }));
 */
export async function handshake(c: RawDeltaClient): Promise<Record<"lds" | "rds" | "cds" | "eds", DeltaDiscoveryResponse>> {
  c.subscribe(LDS);
  const lds = await c.nextAcked(LDS);
  c.subscribe(RDS, ["a", "b", "c"]);
  const rds = await c.nextAcked(RDS);
  c.subscribe(CDS);
  const cds = await c.nextAcked(CDS);
  c.subscribe(EDS, ["a-c", "b-c", "c-c"]);
  return { lds, rds, cds, eds: await c.nextAcked(EDS) };
}

/**
 * A `barrier(c)` for one test file: waits until the server has acted on
 * everything `c` sent before (see RawDeltaClient.sync), each call on the next
 * barrier route.
 *
 * @example const barrier = barriers(); ... await barrier(c);
 */
export function barriers(): (c: RawDeltaClient) => Promise<void> {
  let count = 0;
  return (c) => c.sync(RDS, `barrier-${(count += 1)}`);
}

/** @example removedOf(await c.next(TYPE_URL.cluster)) // ["b-c"] */
export const removedOf = (r: DeltaDiscoveryResponse): string[] => r.removedResources;
