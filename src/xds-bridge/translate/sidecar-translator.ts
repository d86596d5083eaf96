import type { ZoneModel } from "../../contract/zone-model.js";
import { withUpstreamProtocols } from "./upstream-protocol.js";
import type { XdsResources } from "../xds-resources.js";
import { buildClusters } from "./clusters.js";
import { compareStrings } from "./compare.js";
import { buildLoadAssignments } from "./endpoints.js";
import { buildInbound } from "./inbound.js";
import { MeshView, type Workload } from "./mesh-view.js";
import { buildOutbound } from "./outbound.js";
import { virtualOutboundListener } from "./virtual-outbound.js";
import { sidecarSecrets, type SidecarIdentity } from "./sidecar-tls.js";

const byName = (a: { name: string }, b: { name: string }) => compareStrings(a.name, b.name);

/**
 * Everything the Envoy sidecar of Workload `workload` (in `mesh`) needs:
 * the inbound listener, route configuration and STATIC cluster to the app
 * next to it; one outbound listener and route configuration per Service
 * port of the mesh, behind the virtual outbound listener on 127.0.0.1:15001
 * (traffic capture by iptables is assumed, see README.md); and the same EDS
 * clusters and load assignments a proxyless client gets. Pure and
 * deterministic like translateMesh: each list sorted by resource name.
 *
 * A workload the mesh does not have, or that serves no port of its Service,
 * gets no inbound side, only the outbound one (so a sidecar that comes up
 * before its Workload is written can already call out). `localZone` orders
 * endpoint zones into EDS priorities, as for translateMesh. In a mesh with
 * mTLS, clusters and the inbound listener carry TLS contexts whose
 * certificate and trust bundle come over SDS, and `identity` (the
 * workload's, from the bridge) becomes those two Secrets.
 *
 * @example
 *   const res = translateSidecar(ZoneModel.of(resources), "default", "echo-1");
 *   res.listeners.map((l) => l.name); // ["inbound:10.0.0.1:8080", "outbound:0.0.0.0:8080", "outbound:virtual"]
 */
export function translateSidecar(model: ZoneModel, mesh: string, workload: string, opts: { localZone?: string; identity?: SidecarIdentity } = {}): XdsResources {
  const view = MeshView.of(model, mesh);
  const self = findWorkload(model, mesh, workload, opts.localZone);
  const inbound = self ? buildInbound(view, self) : undefined;
  const outbound = buildOutbound(view);
  return {
    listeners: [...(inbound ? [inbound.listener] : []), ...outbound.listeners, virtualOutboundListener()].sort(byName),
    routes: [...(inbound ? [inbound.routes] : []), ...outbound.routes].sort(byName),
    clusters: [...(inbound ? [inbound.cluster] : []), ...withUpstreamProtocols(view, buildClusters(view, "sidecar"))].sort(byName),
    endpoints: buildLoadAssignments(view, opts.localZone).sort((a, b) => compareStrings(a.clusterName, b.clusterName)),
    // Until the bridge holds the identity, the TLS contexts wait for their secrets (Envoy keeps them warming).
    secrets: view.mtls !== "disabled" && opts.identity ? sidecarSecrets(opts.identity) : [],
  };
}

/** The sidecar's own Workload: declared through the API, else discovered in the sidecar's zone. */
export function findWorkload(model: ZoneModel, mesh: string, name: string, localZone: string | undefined): Workload | undefined {
  const stored = model.get({ kind: "Workload", mesh, name })?.resource;
  if (stored?.kind === "Workload") return stored;
  return model.list("Workload", mesh).find((w) => w.metadata.name === name && (localZone === undefined || w.spec.zone === localZone));
}
