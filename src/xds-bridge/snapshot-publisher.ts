import type { Resource } from "../contract/resource-types.js";
import type { ZoneModel } from "../contract/zone-model.js";
import type { EndpointMirror } from "./endpoint-mirror.js";
import type { Logger } from "./logger.js";
import { checkConsistency, findWorkload, newConsistencyMemo, translateMeshIncremental, translateSidecar, unservableRegexes, type ConsistencyMemo, type MeshMemo } from "./translate/index.js";
import type { RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.js";
import type { XdsResources } from "./xds-resources.js";
import { snapshotKeyOf, snapshotKeyOfProxy, snapshotTargetOfKey, type SnapshotTarget } from "./xds/node-hash.js";
import type { ProxyCallbacks } from "./xds/proxy-callbacks.js";
import type { SnapshotCache } from "./xds/snapshot-cache.js";
import { Snapshot, type Refused } from "./xds/snapshot.js";
import { TYPE_URL } from "./xds-resources.js";
import type { SidecarIdentity } from "./translate/sidecar-tls.js";
import { buildVersionInfo } from "./xds/version-info.js";
import type { ZoneMirror } from "./zone-mirror.js";

/** Marks for the revision's trace (revision-tracer.ts). */
export interface PublishHooks {
  /** Every touched mesh and sidecar is translated. */
  translated(): void;
  /** A snapshot is encoded and handed to the cache. */
  publishing(): void;
}

export interface SnapshotPublisherOptions {
  /** The bridge's zone: EDS priorities prefer it. */
  localZone: string;
  /** Where snapshots go; the ADS server serves from it. */
  cache: SnapshotCache;
  /** The journal's resources. */
  mirror: Pick<ZoneMirror, "model">;
  /** The zone's endpoint layer. */
  endpoints: Pick<EndpointMirror, "version" | "mergedWith">;
  /** What this bridge discovered itself (discovery/local-discovery.ts). */
  discovery: { list(): Resource[]; readonly seq: number };
  /** Sidecars' certificates (identity/identity-manager.ts): held for each sidecar's service in a mesh with mTLS. */
  identities?: { material(mesh: string, service: string): SidecarIdentity | undefined; hold(mesh: string, service: string): unknown };
  log: Logger;
}

/**
 * Turns what the bridge knows into snapshots: translates the meshes a change
 * touched (only the services whose inputs changed, through a memo per mesh)
 * and the sidecars of those meshes, checks each result is consistent (every
 * cluster has its endpoints, every listener its routes) and only then sets
 * it, with a version_info naming where each source stood. An inconsistent
 * result is logged and the previous snapshot stays served.
 *
 * @example
 * const publisher = new SnapshotPublisher({ localZone: "zone-a", cache, mirror, endpoints, discovery, log });
 * startAdsServer({ cache, callbacks: combineCallbacks(tracker, publisher.sidecarCallbacks()) });
 * publisher.publish(new Set(["default"]));
 */
export class SnapshotPublisher {
  /** Per mesh, what the last translation produced per service (incremental translation). */
  private readonly memos = new Map<string, MeshMemo>();
  /** Envoy sidecars being served: snapshot key -> the mesh and workload it was made for. */
  private readonly sidecars = new Map<string, Required<SnapshotTarget>>();
  /** Per snapshot key, the route configurations last served (translation's list, kept as is): what a refused one is held on. */
  private readonly servedRoutes = new Map<string, readonly RouteConfiguration[]>();
  /** Per snapshot key, what each resource object needs to be consistent: only changed objects are decoded and checked anew. */
  private readonly consistency = new Map<string, ConsistencyMemo>();

  constructor(private readonly options: SnapshotPublisherOptions) {}

  /**
   * Translates the touched meshes (and their sidecars) and swaps their
   * snapshots in; `hooks` mark the end of translation and each snapshot
   * handed to the cache (its streams push from there).
   *
   * @example publisher.publish(new Set(["default", "payments"]));
   */
  publish(meshes: Set<string>, hooks?: PublishHooks): void {
    const model = this.translationModel();
    const { localZone } = this.options;
    // Everything is translated before any snapshot is set, so the trace can tell translating from pushing.
    const proxyless = [...meshes].map((mesh) => ({ mesh, ...translateMeshIncremental(model, mesh, { localZone }, this.memos.get(mesh)) }));
    const sidecars = [...this.sidecars].filter(([, sc]) => meshes.has(sc.mesh)).map(([key, sc]) => ({ key, resources: this.sidecarResources(model, sc) }));
    hooks?.translated();
    for (const { mesh, resources, memo } of proxyless) {
      // Only services whose inputs changed are translated and encoded again.
      if (this.setSnapshot(snapshotKeyOf({ mesh }), resources, hooks)) this.memos.set(mesh, memo);
    }
    for (const { key, resources } of sidecars) this.setSnapshot(key, resources, hooks);
  }

  /**
   * A sidecar identity got a new certificate: the sidecars of that service
   * get a snapshot whose Secrets changed (and nothing else, so SDS alone is pushed).
   */
  identityChanged(mesh: string, service: string): void {
    const model = this.translationModel();
    for (const [key, sc] of this.sidecars) {
      if (sc.mesh === mesh && serviceOf(model, sc, this.options.localZone) === service) this.setSnapshot(key, this.sidecarResources(model, sc));
    }
  }

  private sidecarResources(model: ZoneModel, sc: Required<SnapshotTarget>): XdsResources {
    const service = serviceOf(model, sc, this.options.localZone);
    const meshDoc = model.get({ kind: "Mesh", mesh: "", name: sc.mesh })?.resource;
    const mtls = meshDoc?.kind === "Mesh" && (meshDoc.spec.mtls?.mode ?? "disabled") !== "disabled";
    const ids = this.options.identities;
    // The first sidecar of a service in a mesh with mTLS makes the bridge hold that identity.
    if (mtls && service && ids) ids.hold(sc.mesh, service);
    const identity = mtls && service ? ids?.material(sc.mesh, service) : undefined;
    return translateSidecar(model, sc.mesh, sc.workload, { localZone: this.options.localZone, ...(identity ? { identity } : {}) });
  }

  /**
   * The hooks that give a sidecar a snapshot of its own as soon as it
   * connects, and stop translating for it once its last stream is gone.
   *
   * @example startAdsServer({ cache, callbacks: publisher.sidecarCallbacks() });
   */
  sidecarCallbacks(): ProxyCallbacks {
    return {
      onStreamOpen: (p) => {
        const key = snapshotKeyOfProxy(p);
        const { mesh, workload } = snapshotTargetOfKey(key);
        if (workload === undefined || this.sidecars.has(key)) return;
        this.sidecars.set(key, { mesh, workload });
        this.setSnapshot(key, this.sidecarResources(this.translationModel(), { mesh, workload }));
      },
      onStreamClosed: (p) => {
        const key = snapshotKeyOfProxy(p);
        // The closing stream stops watching right after this callback.
        setImmediate(() => {
          if (this.sidecars.has(key) && this.options.cache.watcherCount(key) === 0) {
            this.sidecars.delete(key);
            this.consistency.delete(key);
          }
        });
      },
    };
  }

  /**
   * What translation sees: the journal's resources, the zone's endpoint
   * layer, and this bridge's own discoveries on top (they are the newest
   * word on workloads running here, so they are served before the zone
   * echoes them back).
   */
  /** The mesh's mTLS mode as the journal has it ("disabled" for a mesh it does not know). */
  mtlsMode(mesh: string): "disabled" | "permissive" | "strict" {
    const doc = this.options.mirror.model.get({ kind: "Mesh", mesh: "", name: mesh })?.resource;
    return doc?.kind === "Mesh" ? (doc.spec.mtls?.mode ?? "disabled") : "disabled";
  }

  /** The service a sidecar's workload serves, when the bridge knows the workload. */
  serviceOfSidecar(mesh: string, workload: string): string | undefined {
    return serviceOf(this.translationModel(), { mesh, workload }, this.options.localZone);
  }

  private translationModel(): ZoneModel {
    const { mirror, endpoints, discovery } = this.options;
    return endpoints.mergedWith(mirror.model, discovery.list());
  }

  /**
   * Publishes a consistent snapshot under `key`; false (and the previous one
   * kept) otherwise. A route configuration with a regex some proxy could
   * not compile is not served: the previous one stays (or, for a new one,
   * it goes without the offending routes), and proxies report it held, as
   * if they had refused it.
   */
  private setSnapshot(key: string, translated: XdsResources, hooks?: PublishHooks): boolean {
    const { cache, mirror, endpoints, discovery, log } = this.options;
    const { resources, refused } = this.withoutUnservable(key, translated);
    let memo = this.consistency.get(key);
    if (!memo) {
      memo = newConsistencyMemo();
      this.consistency.set(key, memo);
    }
    const problems = checkConsistency(resources, memo);
    if (problems.length > 0) {
      // Keep serving the previous snapshot rather than a broken one.
      log.error("snapshot_inconsistent", { key, revision: mirror.model.revision, problems });
      return false;
    }
    // A proxy's ACK of it names what it holds of each source.
    const version = buildVersionInfo({ revision: mirror.model.revision, endpoints: endpoints.version, discovery: discovery.seq });
    const snapshot = new Snapshot(resources, version, cache.getSnapshot(key), refused);
    // Encoded and about to be seen: setSnapshot has the streams queue their pushes before it returns.
    hooks?.publishing();
    cache.setSnapshot(key, snapshot);
    // The list itself: looked up by name only when a route is refused.
    this.servedRoutes.set(key, resources.routes);
    return true;
  }

  private withoutUnservable(key: string, res: XdsResources): { resources: XdsResources; refused: Map<string, Refused> } {
    const bad = unservableOf(res.routes);
    if (bad.size === 0) return { resources: res, refused: new Map() };
    const served = new Map((this.servedRoutes.get(key) ?? []).map((r) => [r.name, r]));
    const routes = res.routes.map((rc) => {
      if (!bad.has(rc.name)) return rc;
      const previous = served.get(rc.name);
      if (previous && !unservableRegexes([previous]).has(rc.name)) return previous;
      return { ...rc, virtualHosts: rc.virtualHosts.map((vh) => ({ ...vh, routes: vh.routes.filter((r) => unservableRegexes([{ ...rc, virtualHosts: [{ ...vh, routes: [r] }] }]).size === 0) })) };
    });
    const errorDetail = [...bad.values()].join("; ");
    this.options.log.error("route_regex_refused", { key, revision: this.options.mirror.model.revision, routes: Object.fromEntries(bad) });
    return { resources: { ...res, routes }, refused: new Map([[TYPE_URL.route, { names: [...bad.keys()].sort(), errorDetail: `not served by the bridge: ${errorDetail}` }]]) };
  }
}

/** Per route configuration object, why it cannot be served ("" when it can): translation hands unchanged ones over as the same objects. */
const UNSERVABLE = new WeakMap<RouteConfiguration, string>();

/** unservableRegexes, checking only the route configurations not seen before. */
function unservableOf(routes: readonly RouteConfiguration[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const rc of routes) {
    let why = UNSERVABLE.get(rc);
    if (why === undefined) {
      why = unservableRegexes([rc]).get(rc.name) ?? "";
      UNSERVABLE.set(rc, why);
    }
    if (why !== "") out.set(rc.name, why);
  }
  return out;
}

/** The Service of a sidecar's Workload (declared, or discovered here), if the model has it. */
function serviceOf(model: ZoneModel, sc: Required<SnapshotTarget>, localZone: string): string | undefined {
  return findWorkload(model, sc.mesh, sc.workload, localZone)?.spec.service;
}
