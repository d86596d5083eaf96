import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema } from "../../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { validateResource } from "../../../../src/contract/resource-schema.js";
import type { Kind, Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { EndpointSetSchema } from "../../../../src/contract/zone-protocol/zone_pb.js";
import { EndpointMirror } from "../../../../src/xds-bridge/endpoint-mirror.js";
import { mergeFully } from "../../../../src/xds-bridge/merged-model.js";
import { translateMesh, translateMeshIncremental, type MeshMemo } from "../../../../src/xds-bridge/translate/index.js";
import type { XdsResources } from "../../../../src/xds-bridge/xds-resources.js";

const MESHES = ["default", "other"];
const KINDS: Kind[] = ["Service", "Workload", "HTTPRoute", "GRPCRoute", "BackendPolicy", "TrafficPermission", "Mesh"];
const ZONES = ["a", "b", "c"];

function encode(r: XdsResources): string[] {
  return [
    ...r.listeners.map((m) => `L ${Buffer.from(toBinary(ListenerSchema, m)).toString("hex")}`),
    ...r.routes.map((m) => `R ${Buffer.from(toBinary(RouteConfigurationSchema, m)).toString("hex")}`),
    ...r.clusters.map((m) => `C ${Buffer.from(toBinary(ClusterSchema, m)).toString("hex")}`),
    ...r.endpoints.map((m) => `E ${Buffer.from(toBinary(ClusterLoadAssignmentSchema, m)).toString("hex")}`),
  ];
}

/** A deterministic pseudo-random sequence, so a failure replays. */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * n);
  };
}

/** A model's lists, with same-named workloads (endpoints of several zones) in zone order: no translator depends on that order. */
function listsOf(m: ZoneModel): string {
  const out: unknown[] = [];
  for (const mesh of ["", ...MESHES]) {
    for (const kind of KINDS) {
      const list = m.list(kind, mesh).map((r) => JSON.stringify(r));
      out.push([kind, mesh, list.sort()]);
    }
  }
  return JSON.stringify(out);
}

const entriesOf = (m: ZoneModel) => [...m.byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe("incremental translation against a full one, over random changes", () => {
  for (const seed of [3, 17, 101]) {
    it(`gives byte-identical resources and the same merged model after every step (seed ${seed})`, () => {
      const pick = rng(seed);
      const encoder = new TextEncoder();
      // The zone's journal as the mirror holds it: a new clone per update, sometimes changed in place.
      let journal = new ZoneModel();
      let revision = 0;
      const remote = new Map<string, Resource>();
      let own: Resource[] = [];
      const endpoints = new EndpointMirror();
      let endpointVersion = 0;
      const memos = new Map<string, MeshMemo | undefined>();
      const stats = { steps: 0, reusedAll: 0, partial: 0 };

      const mesh = () => MESHES[pick(MESHES.length)]!;
      const svcName = () => `s${pick(10)}`;
      const doc = (d: object): Resource => validateResource(d);
      const service = (m: string, name: string) => doc({ kind: "Service", metadata: { name, mesh: m }, spec: { ports: pick(3) === 0 ? [{ port: 8080 }, { port: 9090, targetPort: 9000 }] : [{ port: 8000 + pick(2), protocol: pick(2) === 0 ? "grpc" : "http" }] } });
      const workload = (m: string, name: string, zone: string) =>
        doc({ kind: "Workload", metadata: { name, mesh: m }, spec: { service: svcName(), address: `10.0.${pick(3)}.${1 + pick(20)}`, port: pick(2) === 0 ? 9000 : 8080, zone, ...(pick(3) === 0 ? { health: "unhealthy" } : {}) } });
      const route = (m: string, kind: "HTTPRoute" | "GRPCRoute") =>
        doc({
          kind,
          metadata: { name: `r${pick(4)}`, mesh: m },
          spec: {
            parentRefs: [{ name: svcName() }],
            rules: [{ backendRefs: [{ name: svcName(), weight: 1 + pick(9) }, { name: svcName(), weight: 1 }], ...(kind === "HTTPRoute" && pick(3) === 0 ? { filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: svcName() } } }] } : {}) }],
          },
        });
      const policy = (m: string) =>
        doc({
          kind: "BackendPolicy",
          metadata: { name: `p${pick(3)}`, mesh: m },
          spec: { targetRef: { kind: "Service", name: svcName() }, ...(pick(2) === 0 ? { locality: { mode: pick(2) === 0 ? "any" : "preferLocal" } } : { loadBalancer: { type: pick(2) === 0 ? "RoundRobin" : "LeastRequest" } }) },
        });
      const permission = (m: string) =>
        doc({ kind: "TrafficPermission", metadata: { name: `tp${pick(2)}`, mesh: m }, spec: { targetRef: { kind: "Service", name: svcName() }, rules: [{ from: [pick(2) === 0 ? { kind: "Service", name: svcName() } : { kind: "Mesh" }], action: pick(2) === 0 ? "Allow" : "Deny" }] } });
      const meshDoc = (name: string) => doc({ kind: "Mesh", metadata: { name }, spec: { mtls: { mode: ["disabled", "permissive", "strict"][pick(3)] } } });

      const write = (r: Resource | undefined, removeKey?: { kind: Kind; mesh: string; name: string }) => {
        if (pick(4) !== 0) journal = journal.clone();
        revision += 1;
        if (r) journal.put(r, revision);
        if (removeKey) journal.remove(removeKey);
        journal.revision = revision;
      };
      const sendEndpoints = () => {
        const set = create(EndpointSetSchema, {
          version: BigInt(++endpointVersion),
          workloads: [...remote.values()].map((w) => ({ kind: "Workload", mesh: w.metadata.mesh ?? "", name: w.metadata.name, document: encoder.encode(JSON.stringify(w)) })),
        });
        endpoints.apply(set);
      };

      for (let i = 0; i < 10; i++) for (const m of MESHES) write(service(m, `s${i}`));
      for (let step = 0; step < 150; step++) {
        const m = mesh();
        const change = pick(14);
        if (change === 0) write(service(m, svcName()));
        else if (change === 1) write(undefined, { kind: "Service", mesh: m, name: svcName() });
        else if (change === 2) write(workload(m, `w${pick(8)}`, ZONES[pick(ZONES.length)]!)); // a declared one: may shadow an endpoint, or move between services
        else if (change === 3) write(undefined, { kind: "Workload", mesh: m, name: `w${pick(8)}` });
        else if (change === 4) write(route(m, pick(3) === 0 ? "GRPCRoute" : "HTTPRoute"));
        else if (change === 5) write(undefined, { kind: pick(2) === 0 ? "HTTPRoute" : "GRPCRoute", mesh: m, name: `r${pick(4)}` });
        else if (change === 6) write(pick(3) === 0 ? undefined : policy(m), { kind: "BackendPolicy", mesh: m, name: `p${pick(3)}` });
        else if (change === 7) write(policy(m));
        else if (change === 8) write(pick(3) === 0 ? undefined : permission(m), pick(3) === 0 ? { kind: "TrafficPermission", mesh: m, name: `tp${pick(2)}` } : undefined);
        else if (change === 9) write(meshDoc(m));
        else if (change === 10 || change === 11) {
          // The zone's endpoint layer: add, change, or drop one; the same name may run in several zones.
          const zone = ZONES[pick(ZONES.length)]!;
          const name = `w${pick(8)}`;
          if (pick(4) === 0) remote.delete(`${m}/${name}@${zone}`);
          else remote.set(`${m}/${name}@${zone}`, workload(m, name, zone));
          sendEndpoints();
        } else if (change === 12) {
          // The same set again (a new version): nothing parsed again.
          sendEndpoints();
        } else {
          // Local discovery: a new list each time, some of its workloads the same objects as before.
          own = own.filter(() => pick(3) !== 0);
          if (pick(2) === 0) own.push(workload(m, `w${pick(8)}`, "a"));
        }

        const merged = endpoints.mergedWith(journal, own);
        const full = mergeFully(journal, endpoints.workloads, own);
        expect(entriesOf(merged), `step ${step}: entries`).toEqual(entriesOf(full));
        expect(listsOf(merged), `step ${step}: lists`).toBe(listsOf(full));
        for (const name of MESHES) {
          const inc = translateMeshIncremental(merged, name, { localZone: "a" }, memos.get(name));
          expect(encode(inc.resources), `step ${step}: mesh ${name}`).toEqual(encode(translateMesh(full, name, { localZone: "a" })));
          stats.steps += 1;
          if (inc.retranslated === 0) stats.reusedAll += 1;
          else if (inc.retranslated < inc.memo.byService.size) stats.partial += 1;
          // Now and then the snapshot is refused and the publisher keeps the older memo.
          if (pick(8) !== 0) memos.set(name, inc.memo);
        }
      }
      // The sequence must exercise untouched meshes and partial re-translation, or the comparison proves little.
      expect(stats.reusedAll).toBeGreaterThan(stats.steps / 5);
      expect(stats.partial).toBeGreaterThan(stats.steps / 10);
    });
  }
});

describe("EndpointMirror.apply", () => {
  it("keeps the parsed workload of identical bytes, parses changed ones and still reports bad ones", () => {
    const mirror = new EndpointMirror();
    const enc = (d: object) => new TextEncoder().encode(JSON.stringify(d));
    const w = (name: string, zone: string, address: string) => ({ kind: "Workload", metadata: { name, mesh: "default" }, spec: { service: "echo", address, port: 80, zone } });
    const set = (version: number, docs: [string, Uint8Array][]) =>
      create(EndpointSetSchema, { version: BigInt(version), workloads: docs.map(([name, document]) => ({ kind: "Workload", mesh: "default", name, document })) });
    mirror.apply(set(1, [["e1", enc(w("e1", "a", "10.0.0.1"))], ["e1", enc(w("e1", "b", "10.0.0.2"))], ["e2", enc(w("e2", "a", "10.0.0.3"))]]));
    const [a1, b1, e2] = mirror.workloads;
    const r = mirror.apply(set(2, [["e1", enc(w("e1", "b", "10.0.0.2"))], ["e1", enc(w("e1", "a", "10.0.0.1"))], ["e2", enc(w("e2", "a", "10.0.0.9"))], ["bad", enc({ kind: "Workload" })]]));
    expect(mirror.workloads[0]).toBe(b1);
    expect(mirror.workloads[1]).toBe(a1);
    expect(mirror.workloads[2]).not.toBe(e2);
    expect(mirror.workloads[2]!.kind === "Workload" && mirror.workloads[2]!.spec.address).toBe("10.0.0.9");
    expect(r.skipped).toHaveLength(1);
    expect(r.meshes).toEqual(new Set(["default"]));
    expect(mirror.version).toBe(2);
  });
});
