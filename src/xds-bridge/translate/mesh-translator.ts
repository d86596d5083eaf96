import type { ZoneModel } from "../../contract/zone-model.js";
import type { XdsResources } from "../xds-resources.js";
import { buildClusters } from "./clusters.js";
import { compareStrings, uniqueByName } from "./compare.js";
import { buildLoadAssignments } from "./endpoints.js";
import { buildListeners } from "./listeners.js";
import { buildServerListeners } from "./server-listeners.js";
import { MeshView } from "./mesh-view.js";
import { buildRouteConfigurations } from "./routes.js";

/**
 * Everything a proxyless gRPC client of `mesh` may ask for, from the zone
 * model alone: pure (no I/O, no clock) and deterministic (each list sorted by
 * resource name), so equal models give byte-identical snapshots and the ADS
 * server can skip pushes when nothing changed.
 *
 * `localZone` is the zone of the proxies served (the bridge's zone): it
 * orders endpoint zones into EDS priorities (local first, per BackendPolicy).
 *
 * @example
 *   const res = translateMesh(ZoneModel.of(resources), "default", { localZone: "west" });
 *   res.listeners.map((l) => l.name); // ["echo", "echo:50051"]
 */
export function translateMesh(model: ZoneModel, mesh: string, opts: { localZone?: string } = {}): XdsResources {
  return translateView(MeshView.of(model, mesh), opts);
}

/** translateMesh over a view, possibly restricted to some services (MeshView.only). */
export function translateView(view: MeshView, opts: { localZone?: string } = {}): XdsResources {
  return {
    listeners: uniqueByName([...buildListeners(view), ...buildServerListeners(view, opts.localZone)].sort((a, b) => compareStrings(a.name, b.name))),
    routes: buildRouteConfigurations(view).sort((a, b) => compareStrings(a.name, b.name)),
    clusters: buildClusters(view, "proxyless").sort((a, b) => compareStrings(a.name, b.name)),
    endpoints: buildLoadAssignments(view, opts.localZone).sort((a, b) => compareStrings(a.clusterName, b.clusterName)),
  };
}
