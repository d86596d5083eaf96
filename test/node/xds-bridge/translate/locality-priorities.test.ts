import { describe, expect, it } from "vitest";
import { validateResource } from "../../../../src/contract/resource-schema.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { translateMesh } from "../../../../src/xds-bridge/translate/index.js";
import { zonePriorities } from "../../../../src/xds-bridge/translate/locality-priorities.js";

const zones = (...z: [string, number][]) => z.map(([zone, healthy]) => ({ zone, healthy }));
const asObject = (m: Map<string, number>) => Object.fromEntries(m);

describe("zonePriorities", () => {
  it("prefers the local zone, then every other zone together", () => {
    expect(asObject(zonePriorities(zones(["a", 2], ["b", 3], ["c", 1]), "a", undefined))).toEqual({ a: 0, b: 1, c: 1 });
  });

  it("spills over when the local zone has fewer healthy instances than the threshold", () => {
    expect(asObject(zonePriorities(zones(["a", 0], ["b", 3]), "a", undefined))).toEqual({ b: 0, a: 1 });
    expect(asObject(zonePriorities(zones(["a", 2], ["b", 3]), "a", { mode: "preferLocal", minHealthyLocal: 3 }))).toEqual({ b: 0, a: 1 });
    expect(asObject(zonePriorities(zones(["a", 3], ["b", 3]), "a", { mode: "preferLocal", minHealthyLocal: 3 }))).toEqual({ a: 0, b: 1 });
  });

  it("fails over through the listed zones in order and uses no other", () => {
    const p = zonePriorities(zones(["a", 1], ["b", 1], ["c", 1], ["d", 1]), "a", { mode: "failover", failoverZones: ["c", "b"] });
    expect(asObject(p)).toEqual({ a: 0, c: 1, b: 2 });
  });

  it("keeps priorities contiguous when the local zone has no endpoints", () => {
    expect(asObject(zonePriorities(zones(["b", 1], ["c", 1]), "a", undefined))).toEqual({ b: 0, c: 0 });
    expect(asObject(zonePriorities(zones(["c", 1]), "a", { mode: "failover", failoverZones: ["b", "c"] }))).toEqual({ c: 0 });
  });

  it("puts every zone at priority 0 in mode any", () => {
    expect(asObject(zonePriorities(zones(["a", 1], ["b", 5]), "a", { mode: "any" }))).toEqual({ a: 0, b: 0 });
  });
});

describe("translateMesh with a local zone", () => {
  const docs = [
    { kind: "Service", metadata: { name: "echo", mesh: "default" }, spec: { ports: [{ port: 50051 }] } },
    { kind: "Workload", metadata: { name: "a1", mesh: "default" }, spec: { service: "echo", address: "10.0.0.1", port: 1, zone: "a" } },
    { kind: "Workload", metadata: { name: "b1", mesh: "default" }, spec: { service: "echo", address: "10.0.0.2", port: 1, zone: "b" } },
    { kind: "Workload", metadata: { name: "b-ingress", mesh: "default" }, spec: { service: "echo", address: "10.0.0.3", port: 1, zone: "c", weight: 4 } },
  ];
  const model = () => ZoneModel.of(docs.map((d) => validateResource(d)));

  it("orders zones into EDS priorities seen from the bridge's zone, weighting by instances", () => {
    const cla = translateMesh(model(), "default", { localZone: "b" }).endpoints[0]!;
    expect(cla.endpoints.map((g) => [g.locality?.zone, g.priority, g.loadBalancingWeight])).toEqual([
      ["b", 0, 1],
      ["a", 1, 1],
      ["c", 1, 4],
    ]);
    expect(cla.endpoints[2]!.lbEndpoints[0]!.loadBalancingWeight).toBe(4);
  });

  it("follows a BackendPolicy naming the service", () => {
    const policy = validateResource({
      kind: "BackendPolicy",
      metadata: { name: "echo-failover", mesh: "default" },
      spec: { targetRef: { kind: "Service", name: "echo" }, locality: { mode: "failover", failoverZones: ["c"] } },
    });
    const m = model();
    m.put(policy, 9);
    const cla = translateMesh(m, "default", { localZone: "a" }).endpoints[0]!;
    expect(cla.endpoints.map((g) => [g.locality?.zone, g.priority])).toEqual([
      ["a", 0],
      ["c", 1],
    ]);
  });
});
