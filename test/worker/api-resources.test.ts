import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, fetchAsAdmin, journalHead, route, service } from "./api-helpers.js";

const echo = { kind: "Service", metadata: { name: "echo", mesh: "default" }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } };

describe("resources API", () => {
  it("creates, reads, updates and lists a Service with revisions from the journal", async () => {
    const put = await fetchAsAdmin("http://api/v1/meshes/default/services/echo", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(echo),
    });
    expect(put.status).toBe(201);
    const created = (await put.json()) as { metadata: { revision: number } };
    expect(created.metadata.revision).toBeGreaterThan(0);
    expect(put.headers.get("etag")).toBe(`"${created.metadata.revision}"`);

    const journal = await env.DB.prepare("SELECT seq, op FROM journal WHERE name = 'echo'").all<{ seq: number; op: string }>();
    expect(journal.results).toEqual([{ seq: created.metadata.revision, op: "put" }]);

    const get = await fetchAsAdmin("http://api/v1/meshes/default/services/echo");
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ kind: "Service", metadata: { name: "echo", mesh: "default" }, spec: echo.spec });

    const list = await fetchAsAdmin("http://api/v1/meshes/default/services");
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
  });
});

describe("deleting what others use (hardening 4)", () => {
  it("refuses to delete a Service routes and workloads still name, naming them, and cascades on request", async () => {
    await call("PUT", "/v1/meshes/default/services/del-a", service("del-a"));
    await call("PUT", "/v1/meshes/default/services/del-b", service("del-b"));
    expect((await call("PUT", "/v1/meshes/default/httproutes/del-r", route("del-r", "del-a", [{ name: "del-b", weight: 1 }]))).status).toBe(201);
    const before = await journalHead();
    const refused = await call("DELETE", "/v1/meshes/default/services/del-b");
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("conflict");
    expect(String(refused.body.message)).toContain('HTTPRoute "del-r" (spec.rules[0].backendRefs[0].name)');
    expect(String(refused.body.hint)).toContain("cascade=true");
    expect(await journalHead()).toBe(before);
    // Re-applying the route still works: nothing moved.
    expect((await call("PUT", "/v1/meshes/default/httproutes/del-r", route("del-r", "del-a", [{ name: "del-b", weight: 1 }]))).status).toBe(200);

    const cascaded = await call("DELETE", "/v1/meshes/default/services/del-b?cascade=true");
    expect(cascaded.status).toBe(200);
    expect(cascaded.body).toMatchObject({ kind: "Service", name: "del-b", action: "deleted" });
    expect(cascaded.body.cascaded).toEqual([expect.objectContaining({ kind: "HTTPRoute", name: "del-r", action: "deleted" })]);
    expect((await call("GET", "/v1/meshes/default/httproutes/del-r")).status).toBe(404);
    expect((await call("DELETE", "/v1/meshes/default/services/del-a")).status).toBe(200);
  });
});
