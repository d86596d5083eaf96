import { describe, expect, it } from "vitest";
import { validateResource } from "../../../../src/contract/resource-schema.js";
import type { Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { checkConsistency, newConsistencyMemo, translateMeshIncremental, type MeshMemo } from "../../../../src/xds-bridge/translate/index.js";
import type { XdsResources } from "../../../../src/xds-bridge/xds-resources.js";

const svc = (name: string, port = 8080) => ({ kind: "Service", metadata: { name }, spec: { ports: [{ port }] } });
const wl = (name: string, service: string, ip: string) => ({ kind: "Workload", metadata: { name }, spec: { service, address: ip, port: 9000, zone: "a", health: "healthy" } });
const route = (name: string, parent: string, backends: string[]) => ({
  kind: "HTTPRoute",
  metadata: { name },
  spec: { parentRefs: [{ name: parent }], rules: [{ backendRefs: backends.map((n) => ({ name: n, weight: 1 })) }] },
});

/** A deterministic pseudo-random sequence, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe("checkConsistency with a memo", () => {
  it("equals the full check after every step of a random sequence of changes, including broken ones", () => {
    const next = rng(7);
    const pick = (n: number) => Math.floor(next() * n);
    const docs = new Map<string, object>();
    const put = (d: { kind: string; metadata: { name: string } }) => docs.set(`${d.kind}/${d.metadata.name}`, d);
    for (let i = 0; i < 12; i++) {
      put(svc(`s${i}`));
      put(wl(`s${i}-w`, `s${i}`, `10.0.0.${i + 1}`));
    }
    const model = () => ZoneModel.of([...docs.values()].map((d) => validateResource({ ...d, metadata: { ...(d as { metadata: object }).metadata, mesh: "default" } }) as Resource));
    const memo = newConsistencyMemo();
    let translation: MeshMemo | undefined;
    let previous: XdsResources | undefined;
    let sawProblems = 0;
    for (let step = 0; step < 120; step++) {
      const s = `s${pick(14)}`;
      const change = pick(5);
      if (change === 0) put(svc(s, 8000 + pick(3)));
      else if (change === 1) docs.delete(`Service/${s}`);
      else if (change === 2) put(route(`r${pick(4)}`, s, [`s${pick(14)}`, `s${pick(14)}`]));
      else if (change === 3) docs.delete(`HTTPRoute/r${pick(4)}`);
      else put(wl(`${s}-w`, s, `10.0.1.${pick(200)}`));
      const inc = translateMeshIncremental(model(), "default", { localZone: "a" }, translation);
      translation = inc.memo;
      let resources = inc.resources;
      // Break what translation never breaks, the way a bug would: drop a
      // resource another refers to, or duplicate one; sometimes on objects
      // the memo has seen (incremental translation reuses them).
      const breakage = pick(4);
      if (breakage === 0 && resources.endpoints.length > 0) resources = { ...resources, endpoints: resources.endpoints.slice(1) };
      else if (breakage === 1 && resources.clusters.length > 0) resources = { ...resources, clusters: resources.clusters.slice(0, -1) };
      else if (breakage === 2 && resources.routes.length > 0) resources = { ...resources, routes: [...resources.routes, resources.routes[0]!] };
      if (previous && pick(6) === 0) resources = previous;
      const full = checkConsistency(resources);
      expect(checkConsistency(resources, memo), `step ${step}`).toEqual(full);
      if (full.length > 0) sawProblems += 1;
      previous = resources;
    }
    // The sequence must exercise both outcomes, or the comparison proves little.
    expect(sawProblems).toBeGreaterThan(10);
    expect(sawProblems).toBeLessThan(120);
  });
});
