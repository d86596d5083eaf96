import { describe, expect, it } from "vitest";
import { diffDocuments } from "../../../src/contract/document-diff.js";

const route = (weights: number[], extra: Record<string, unknown> = {}) => ({
  kind: "HTTPRoute",
  metadata: { name: "split", mesh: "default" },
  spec: {
    parentRefs: [{ name: "echo" }],
    rules: [{ backendRefs: weights.map((weight, i) => ({ name: `v${i + 1}`, weight })), ...extra }],
  },
});

describe("diffDocuments", () => {
  it("finds nothing between equal documents, whatever their key order", () => {
    expect(diffDocuments(route([80, 20]), route([80, 20]))).toEqual([]);
    expect(diffDocuments({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toEqual([]);
  });

  it("walks nested objects and names each change by its path", () => {
    const from = { metadata: { name: "x", labels: { team: "a", tier: "web" } }, spec: { mtls: { mode: "strict" } } };
    const to = { metadata: { name: "x", labels: { team: "b", env: "prod" } }, spec: { mtls: { mode: "strict" } } };
    expect(diffDocuments(from, to)).toEqual([
      { path: "metadata.labels.env", op: "add", to: "prod" },
      { path: "metadata.labels.team", op: "replace", from: "a", to: "b" },
      { path: "metadata.labels.tier", op: "remove", from: "web" },
    ]);
  });

  it("walks arrays of objects position by position", () => {
    expect(diffDocuments(route([80, 20]), route([50, 50]))).toEqual([
      { path: "spec.rules[0].backendRefs[0].weight", op: "replace", from: 80, to: 50 },
      { path: "spec.rules[0].backendRefs[1].weight", op: "replace", from: 20, to: 50 },
    ]);
    expect(diffDocuments(route([100]), route([100, 0]))).toEqual([
      { path: "spec.rules[0].backendRefs[1]", op: "add", to: { name: "v2", weight: 0 } },
    ]);
    expect(diffDocuments(route([1, 2, 3]), route([1]))).toEqual([
      { path: "spec.rules[0].backendRefs[1]", op: "remove", from: { name: "v2", weight: 2 } },
      { path: "spec.rules[0].backendRefs[2]", op: "remove", from: { name: "v3", weight: 3 } },
    ]);
  });

  it("reports an added match and a removed field of a rule", () => {
    const matches = [{ path: { type: "PathPrefix", value: "/api" } }];
    expect(diffDocuments(route([1], { timeouts: { request: "2s" } }), route([1], { matches }))).toEqual([
      { path: "spec.rules[0].matches", op: "add", to: matches },
      { path: "spec.rules[0].timeouts", op: "remove", from: { request: "2s" } },
    ]);
  });

  it("replaces a value whose type changed instead of descending into it", () => {
    expect(diffDocuments({ a: { b: 1 } }, { a: [1] })).toEqual([{ path: "a", op: "replace", from: { b: 1 }, to: [1] }]);
    expect(diffDocuments({ a: "80" }, { a: 80 })).toEqual([{ path: "a", op: "replace", from: "80", to: 80 }]);
    expect(diffDocuments({ a: null }, { a: { b: 1 } })).toEqual([{ path: "a", op: "replace", from: null, to: { b: 1 } }]);
    expect(diffDocuments([1], { 0: 1 })).toEqual([{ path: "", op: "replace", from: [1], to: { 0: 1 } }]);
  });

  it("treats a null document as no document: a create or a delete of the whole", () => {
    const doc = route([1]);
    expect(diffDocuments(null, doc)).toEqual([{ path: "", op: "add", to: doc }]);
    expect(diffDocuments(doc, null)).toEqual([{ path: "", op: "remove", from: doc }]);
    expect(diffDocuments(null, null)).toEqual([]);
  });

  it("quotes keys that would make the dotted path ambiguous", () => {
    expect(diffDocuments({ labels: { "app.kubernetes.io/name": "a" } }, { labels: { "app.kubernetes.io/name": "b" } })).toEqual([
      { path: 'labels["app.kubernetes.io/name"]', op: "replace", from: "a", to: "b" },
    ]);
  });

  it("orders changes deterministically: keys by code unit, arrays by index, depth first", () => {
    const from = { z: 1, B: [1, 2], a: { y: 1, x: 1 } };
    const to = { a: { x: 2, y: 2 }, B: [3, 2, 1], z: 2 };
    const paths = ["B[0]", "B[2]", "a.x", "a.y", "z"];
    expect(diffDocuments(from, to).map((c) => c.path)).toEqual(paths);
    expect(diffDocuments(structuredClone(from), structuredClone(to)).map((c) => c.path)).toEqual(paths);
  });

  it("leaves its inputs untouched", () => {
    const from = route([80, 20]);
    const to = route([50, 50]);
    const snapshot = JSON.stringify([from, to]);
    diffDocuments(from, to);
    expect(JSON.stringify([from, to])).toBe(snapshot);
  });
});
