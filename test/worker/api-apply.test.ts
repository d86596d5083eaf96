import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, journalHead } from "./api-helpers.js";

/** The demo-like bundle, with every name prefixed so tests do not share resources. */
const bundleFor = (p: string) => `
kind: Service
metadata: {name: ${p}echo}
spec: {ports: [{port: 50051, protocol: grpc}]}
---
kind: Service
metadata: {name: ${p}echo-v1}
spec: {ports: [{port: 50051}]}
---
kind: Workload
metadata: {name: ${p}echo-v1-a}
spec: {service: ${p}echo-v1, address: 127.0.0.1, port: 50061, zone: default}
---
kind: HTTPRoute
metadata: {name: ${p}echo-split}
spec:
  parentRefs: [{name: ${p}echo}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: ${p}echo-v1, weight: 80}, {name: ${p}echo, weight: 20}]
      timeouts: {request: 2s}
`;
const bundle = bundleFor("");

describe("POST /v1/apply", () => {
  it("applies a YAML bundle atomically with one revision per document, in order", async () => {
    const before = await journalHead();
    const res = await call("POST", "/v1/apply", bundle.replaceAll("metadata: {name:", "metadata: {mesh: default, name:"), {
      "content-type": "application/yaml",
    });
    expect(res.status).toBe(200);
    const results = res.body.results as { name: string; action: string; revision: number }[];
    expect(results.map((r) => [r.name, r.action])).toEqual([
      ["echo", "created"],
      ["echo-v1", "created"],
      ["echo-v1-a", "created"],
      ["echo-split", "created"],
    ]);
    expect(results.map((r) => r.revision)).toEqual([before + 1, before + 2, before + 3, before + 4]);
    expect(res.body.revision).toBe(before + 4);

    const again = await call("POST", "/v1/apply", bundle.replaceAll("metadata: {name:", "metadata: {mesh: default, name:"), {
      "content-type": "application/yaml",
    });
    expect((again.body.results as { action: string }[]).every((r) => r.action === "unchanged")).toBe(true);
    expect(await journalHead()).toBe(before + 4);
  });

  it("writes nothing when one document of the bundle is bad", async () => {
    const before = await journalHead();
    const bad = bundleFor("bad-").replace("weight: 20", "weight: twenty");
    const res = await call("POST", "/v1/apply", bad, { "content-type": "application/yaml" });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "invalid_field", field: "spec.rules[0].backendRefs[1].weight", document: 3 });
    expect(await journalHead()).toBe(before);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM resources WHERE name LIKE 'bad-%'").first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("answers a dry run with the plan and writes nothing", async () => {
    const before = await journalHead();
    const res = await call("POST", "/v1/apply?dryRun=true", bundleFor("dry-"), { "content-type": "application/yaml" });
    expect(res.status).toBe(200);
    expect(res.body.dryRun).toBe(true);
    expect((res.body.results as { action: string }[]).map((r) => r.action)).toEqual(["created", "created", "created", "created"]);
    expect(await journalHead()).toBe(before);
  });

  it("refuses a bundle naming the same resource twice", async () => {
    const res = await call("POST", "/v1/apply", `${bundle}---\nkind: Service\nmetadata: {name: echo}\nspec: {ports: [{port: 1}]}\n`, {
      "content-type": "application/yaml",
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: "conflict", document: 4 });
  });

  it("accepts a JSON array bundle", async () => {
    const res = await call("POST", "/v1/apply", [
      { kind: "Mesh", metadata: { name: "other" }, spec: { mtls: { mode: "strict" } } },
      { kind: "Service", metadata: { name: "s", mesh: "other" }, spec: { ports: [{ port: 80, protocol: "http" }] } },
    ]);
    expect(res.status).toBe(200);
    expect((await call("GET", "/v1/meshes/other/services/s")).status).toBe(200);
  });
});

describe("deletes", () => {
  it("deletes with a journal row that keeps the last document, and 404s after", async () => {
    await call("POST", "/v1/apply", bundle, { "content-type": "application/yaml" });
    const del = await call("DELETE", "/v1/meshes/default/httproutes/echo-split");
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ action: "deleted", name: "echo-split" });
    const row = await env.DB.prepare("SELECT op, document FROM journal ORDER BY seq DESC LIMIT 1").first<{ op: string; document: string }>();
    expect(row?.op).toBe("delete");
    expect(JSON.parse(row!.document)).toMatchObject({ kind: "HTTPRoute", metadata: { name: "echo-split" } });
    expect((await call("GET", "/v1/meshes/default/httproutes/echo-split")).status).toBe(404);
    expect((await call("DELETE", "/v1/meshes/default/httproutes/echo-split")).body.code).toBe("not_found");
  });

  it("refuses to delete a mesh that still holds resources", async () => {
    await call("POST", "/v1/apply", bundle, { "content-type": "application/yaml" });
    const res = await call("DELETE", "/v1/meshes/default");
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("conflict");
  });
});

describe("what list routes answer applies back (hardening 19)", () => {
  it("takes a <Kind>List bundle as its items, and rollback answers a dry run without writing", async () => {
    await call("PUT", "/v1/meshes/default/services/list-a", { kind: "Service", metadata: { name: "list-a" }, spec: { ports: [{ port: 1 }] } });
    const listed = await call("GET", "/v1/meshes/default/services");
    const before = await journalHead();
    const applied = await call("POST", "/v1/apply", listed.body);
    expect(applied.status).toBe(200);
    expect((applied.body.results as { action: string }[]).every((r) => r.action === "unchanged")).toBe(true);
    expect(await journalHead()).toBe(before);

    const first = ((await call("GET", "/v1/meshes/default/services/list-a")).body.metadata as { revision: number }).revision;
    await call("PUT", "/v1/meshes/default/services/list-a", { kind: "Service", metadata: { name: "list-a" }, spec: { ports: [{ port: 2 }] } });
    const head = await journalHead();
    const dry = await call("POST", "/v1/meshes/default/services/list-a/rollback?dryRun=true", { revision: first });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, revision: null, results: [{ kind: "Service", name: "list-a", action: "updated" }] });
    expect(await journalHead()).toBe(head);
  });
});
