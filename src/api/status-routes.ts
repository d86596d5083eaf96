import { Hono } from "hono";
import { keyString, meshOfKey, type ResourceKey, type ResourceOf } from "../contract/resource-types.js";
import type { ResourceStatus } from "../contract/rollout.js";
import { proxyKindOf, type IdentityList, type ProxyList, type ZoneStatus } from "../contract/zone-status.js";
import { spiffeId } from "../contract/x509/spiffe.js";
import { JournalHistory } from "../store/journal-history.js";
import { ResourceStore } from "../store/resource-store.js";
import { ZoneRegistry } from "../store/zone-registry.js";
import { ApiError } from "./api-error.js";
import type { ApiContext, AppEnv } from "./app-env.js";
import { meshScopedKind, queryBool } from "./request-params.js";
import { revisionTrace } from "./revision-trace-view.js";
import { proxyRollout, summarize, typeStates } from "./rollout-status.js";

/**
 * Where every change is (issue 5): per resource, whether each zone applied
 * its latest revision and whether each proxy of its mesh ACKed, NACKed (with
 * Envoy's error_detail) or still waits; and the proxies of a mesh with their
 * state per xDS type.
 */
export const statusRoutes = new Hono<AppEnv>();

statusRoutes.get("/v1/meshes/:mesh/proxies", async (c) => {
  const mesh = c.req.param("mesh");
  // Disconnected proxies stay listed (STALE) until their zone forgets them; shown with ?all=true.
  const all = queryBool(c.req.query("all"), "all") ?? false;
  const store = new ResourceStore(c.env.DB);
  const [zones, head, meshDoc, workloads] = await Promise.all([zoneStatuses(c), store.meshHead(mesh), store.get({ kind: "Mesh", mesh: "", name: mesh }), store.list("Workload", mesh)]);
  const mtls = (meshDoc?.resource as ResourceOf<"Mesh"> | undefined)?.spec.mtls?.mode ?? "disabled";
  // A proxy's service: what its node metadata says, else (a sidecar) its declared Workload's.
  const serviceOfWorkload = new Map(workloads.map((w) => [w.resource.metadata.name, (w.resource as ResourceOf<"Workload">).spec.service]));
  const items = zones.flatMap((z) =>
    z.proxies
      .filter((p) => p.mesh === mesh && (all || p.connected))
      .map((p) => {
        const service = p.service || serviceOfWorkload.get(p.workload) || "";
        // Its certificate is the one its bridge holds for that service (the key is there).
        const cert = z.identities.filter((i) => i.mesh === mesh && i.service === service && i.bridgeId === p.bridgeId).sort((a, b) => b.notAfterMs - a.notAfterMs)[0];
        return {
          proxyId: p.proxyId,
          zone: z.zone,
          bridgeId: p.bridgeId,
          connected: p.connected,
          connectedAtMs: p.connectedAtMs,
          disconnectedAtMs: p.disconnectedAtMs,
          kind: proxyKindOf(p),
          ...(p.workload ? { workload: p.workload } : {}),
          ...(service && mtls !== "disabled" ? { identity: spiffeId(mesh, service) } : {}),
          ...(cert && mtls !== "disabled" ? { certificateNotAfter: new Date(cert.notAfterMs).toISOString(), certificateSerial: cert.serial } : {}),
          types: typeStates(p, head),
        };
      }),
  );
  return c.json({ kind: "ProxyList", mesh, meshRevision: head, items } satisfies ProxyList);
});

statusRoutes.get("/v1/meshes/:mesh/identities", async (c) => {
  const mesh = c.req.param("mesh");
  const items = (await zoneStatuses(c)).flatMap((z) =>
    z.identities
      .filter((i) => i.mesh === mesh)
      .map(({ mesh: _mesh, ...i }) => ({ ...i, zone: z.zone, spiffeId: spiffeId(mesh, i.service), notAfter: new Date(i.notAfterMs).toISOString() })),
  );
  return c.json({ kind: "IdentityList", mesh, items } satisfies IdentityList);
});

statusRoutes.get("/v1/meshes/:mesh/:kinds/:name/status", (c) =>
  resourceStatus(c, { kind: meshScopedKind(c.req.param("kinds")), mesh: c.req.param("mesh"), name: c.req.param("name") }),
);
statusRoutes.get("/v1/meshes/:name/status", (c) => resourceStatus(c, { kind: "Mesh", mesh: "", name: c.req.param("name") }));

async function resourceStatus(c: ApiContext, key: ResourceKey): Promise<Response> {
  const latest = await new JournalHistory(c.env.DB).latest(key);
  if (!latest) throw new ApiError("not_found", `${key.kind} "${key.name}" never existed${key.mesh ? ` in mesh "${key.mesh}"` : ""}`);
  const revision = latest.revision;
  const writtenAtMs = Date.parse(latest.at);
  const names = await new ZoneRegistry(c.env.DB).names();
  const [zones, traces] = await Promise.all([zoneStatuses(c, names), zoneTraces(c, names, keyString(key))]);
  // A Zone concerns the proxies of every mesh.
  const mesh = key.kind === "Zone" ? undefined : meshOfKey(key);
  const proxies = zones.flatMap((z) =>
    z.proxies.filter((p) => mesh === undefined || p.mesh === mesh).map((p) => proxyRollout(p, z.zone, revision, writtenAtMs)),
  );
  return c.json({
    kind: key.kind,
    mesh: key.mesh,
    name: key.name,
    revision,
    writtenAt: latest.at,
    deleted: latest.op === "delete",
    zones: zones.map((z) => ({ zone: z.zone, appliedRevision: z.revision, applied: z.revision >= revision })),
    proxies,
    summary: summarize(proxies),
    done: zones.every((z) => z.revision >= revision) && proxies.every((p) => p.state === "ACK" || !p.connected || p.joinedAfterWrite === true),
    trace: revisionTrace(revision, traces),
  } satisfies ResourceStatus);
}

/** Each zone's trace of the resource's latest revision it applied. */
async function zoneTraces(c: ApiContext, names: string[], key: string) {
  return Promise.all(names.map(async (zone) => ({ zone, record: await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).revisionTrace(key) })));
}

async function zoneStatuses(c: ApiContext, known?: string[]): Promise<ZoneStatus[]> {
  const names = known ?? (await new ZoneRegistry(c.env.DB).names());
  return Promise.all(names.map(async (zone) => ({ ...(await c.env.ZONES.get(c.env.ZONES.idFromName(zone)).status()), zone })));
}
