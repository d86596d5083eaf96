import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const echo = { kind: "Service", metadata: { name: "echo", mesh: "default" }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } };

describe("resources API", () => {
  it("creates, reads, updates and lists a Service with revisions from the journal", async () => {
    const put = await SELF.fetch("http://api/v1/meshes/default/services/echo", {
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

    const get = await SELF.fetch("http://api/v1/meshes/default/services/echo");
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ kind: "Service", metadata: { name: "echo", mesh: "default" }, spec: echo.spec });

    const list = await SELF.fetch("http://api/v1/meshes/default/services");
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
  });
});
