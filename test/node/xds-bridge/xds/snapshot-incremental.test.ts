import { describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { validateResource } from "../../../../src/contract/resource-schema.js";
import type { Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { translateMeshIncremental, type MeshMemo } from "../../../../src/xds-bridge/translate/index.js";
import { RESOURCE_KINDS } from "../../../../src/xds-bridge/xds/resource-kinds.js";
import { changedNames } from "../../../../src/xds-bridge/xds/snapshot-changes.js";
import { Snapshot, type Refused } from "../../../../src/xds-bridge/xds/snapshot.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { apiListener, edsCluster, loadAssignment, routeTo } from "../../support/echo-xds-resources.js";

/** A deterministic pseudo-random sequence, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Every type's names, hashes and bytes, in iteration order. */
function contents(s: Snapshot): [string, [string, string, string, number[]][]][] {
  return RESOURCE_KINDS.map((k) => [k.typeUrl, [...s.resources(k.typeUrl)].map(([name, r]) => [name, r.hash, r.any.typeUrl, [...r.any.value]])]);
}

function sorted(changes: ReturnType<typeof changedNames>): [string, string[]][] | undefined {
  return changes && [...changes].map(([t, names]) => [t, [...names].sort()] as [string, string[]]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/**
 * Builds each step's snapshot twice, on the previous one (encodings and the
 * diff come from what it shares) and from nothing (everything encoded
 * anew, the diff compared name by name), and checks they agree.
 */
function checkSequence(steps: { resources: XdsResources; refused?: Map<string, Refused> }[]): { reused: number; fastDiffs: number } {
  let memo: Snapshot | undefined;
  let fresh: Snapshot | undefined;
  let reused = 0;
  let fastDiffs = 0;
  steps.forEach(({ resources, refused }, step) => {
    const nextMemo = new Snapshot(resources, `${step}`, memo, refused);
    // Copies: nothing it encodes can be found by identity again.
    const nextFresh = new Snapshot(structuredClone(resources), `${step}`, undefined, refused);
    expect(contents(nextMemo)).toEqual(contents(nextFresh));
    if (memo && fresh) {
      expect(nextMemo.changesSince(memo)).toBeDefined();
      expect(nextFresh.changesSince(fresh)).toBeUndefined();
      fastDiffs += 1;
      expect(sorted(changedNames(memo, nextMemo))).toEqual(sorted(changedNames(fresh, nextFresh)));
      // A snapshot built on another one than its own previous compares name by name, and still agrees.
      expect(sorted(changedNames(fresh, nextMemo))).toEqual(sorted(changedNames(fresh, nextFresh)));
      for (const k of RESOURCE_KINDS) {
        const messages = k.messages(resources);
        const before = k.messages(steps[step - 1]!.resources);
        for (const m of messages) {
          if (!before.includes(m)) continue;
          // A message object the previous snapshot had is not encoded again.
          const name = k.encode(m).name;
          expect(nextMemo.resources(k.typeUrl).get(name)).toBe(memo.resources(k.typeUrl).get(name));
          reused += 1;
        }
      }
    }
    memo = nextMemo;
    fresh = nextFresh;
  });
  return { reused, fastDiffs };
}

describe("Snapshot built on the previous one", () => {
  it("equals one built from nothing, encodings and diffs alike, over random edits of the resource lists", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = rng(seed);
      const pick = (n: number) => Math.floor(next() * n);
      const names = Array.from({ length: 14 }, (_, i) => `svc-${String.fromCharCode(97 + i)}`);
      const make = (n: string, variant: number) => ({
        listener: apiListener(n, variant % 3 === 0 ? n : `${n}-r${variant % 3}`),
        route: routeTo(variant % 3 === 0 ? n : `${n}-r${variant % 3}`, `${n}-c`),
        cluster: edsCluster(`${n}-c`, variant % 2 === 0 ? Cluster_LbPolicy.ROUND_ROBIN : Cluster_LbPolicy.LEAST_REQUEST),
        endpoint: loadAssignment(`${n}-c`, [{ port: 1000 + (variant % 5) }]),
      });
      const live = new Map(names.slice(0, 8).map((n) => [n, make(n, 0)]));
      const steps: { resources: XdsResources; refused?: Map<string, Refused> }[] = [];
      for (let step = 0; step < 80; step++) {
        const n = names[pick(names.length)]!;
        const op = pick(6);
        if (op === 0) live.delete(n);
        // The same content as new objects: equal hashes, nothing changed.
        else if (op === 1 && live.has(n)) live.set(n, make(n, 0));
        else if (op === 2) live.set(n, make(n, pick(7)));
        else if (op === 3 && live.has(n)) live.set(n, { ...live.get(n)!, endpoint: loadAssignment(`${n}-c`, [{ port: 2000 + pick(3) }]) });
        // op 4, 5: nothing changes
        const entries = [...live.values()];
        // Sometimes out of name order, as a sidecar's or a hand-made list may be.
        if (pick(4) === 0) entries.reverse();
        const resources: XdsResources = {
          listeners: entries.map((e) => e.listener),
          routes: entries.map((e) => e.route),
          clusters: entries.map((e) => e.cluster),
          endpoints: entries.map((e) => e.endpoint),
        };
        const refused = pick(5) === 0 && entries.length > 0 ? new Map([[TYPE_URL.route, { names: [entries[0]!.route.name], errorDetail: "bad regex" }]]) : undefined;
        steps.push({ resources, ...(refused ? { refused } : {}) });
      }
      const { reused, fastDiffs } = checkSequence(steps);
      expect(fastDiffs).toBe(79);
      expect(reused).toBeGreaterThan(1000);
    }
  });

  it("equals one built from nothing over a random sequence of incremental translations", () => {
    const next = rng(11);
    const pick = (n: number) => Math.floor(next() * n);
    const docs = new Map<string, object>();
    const put = (d: { kind: string; metadata: { name: string } }) => docs.set(`${d.kind}/${d.metadata.name}`, d);
    const svc = (name: string, port = 8080) => ({ kind: "Service", metadata: { name }, spec: { ports: [{ port }] } });
    const wl = (name: string, service: string, ip: string) => ({ kind: "Workload", metadata: { name }, spec: { service, address: ip, port: 9000, zone: "a", health: "healthy" } });
    for (let i = 0; i < 10; i++) {
      put(svc(`s${i}`));
      put(wl(`s${i}-w`, `s${i}`, `10.0.0.${i + 1}`));
    }
    const model = () => ZoneModel.of([...docs.values()].map((d) => validateResource({ ...d, metadata: { ...(d as { metadata: object }).metadata, mesh: "default" } }) as Resource));
    let translation: MeshMemo | undefined;
    const steps: { resources: XdsResources }[] = [];
    for (let step = 0; step < 60; step++) {
      const i = pick(14);
      const op = pick(4);
      if (op === 0) put(svc(`s${i}`, 8080 + pick(3)));
      else if (op === 1) put(wl(`s${i}-w`, `s${i}`, `10.0.${pick(2)}.${i + 1}`));
      else if (op === 2) {
        docs.delete(`Service/s${i}`);
        docs.delete(`Workload/s${i}-w`);
      }
      const out = translateMeshIncremental(model(), "default", { localZone: "a" }, translation);
      translation = out.memo;
      steps.push({ resources: out.resources });
    }
    const { reused } = checkSequence(steps);
    // Incremental translation hands unchanged services' resources over as the same objects.
    expect(reused).toBeGreaterThan(500);
  });
});
