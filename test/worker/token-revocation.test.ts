/**
 * The PUT of a mesh's resource asks whether its token is revoked inside the
 * write's own batch instead of looking the token up first
 * (src/api/token-revocation.ts). A revoked token must still be refused at
 * once, with 401, whatever the request would otherwise have been answered,
 * and write nothing.
 */
import { describe, expect, it } from "vitest";
import { signApiToken } from "../../src/contract/api-token.js";
import { call, journalHead, route, service } from "./api-helpers.js";
import { countedCall } from "./d1-round-trips.js";

let clients = 0;
/** A client address of its own per request, so the 401 penalty of one does not slow the next. */
const as = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, "cf-connecting-ip": `10.9.0.${++clients}`, ...extra });

async function issuedWriter(subject: string): Promise<{ id: string; token: string }> {
  const issued = await call("POST", "/v1/tokens", { subject, role: "writer", meshes: ["default"], ttlSeconds: 3600 });
  expect(issued.status).toBe(201);
  return { id: String(issued.body.id), token: String(issued.body.token) };
}

describe("API token revocation on the one-batch PUT", () => {
  it("a live token's PUT makes one D1 trip: the revocation is a condition of the write's batch", async () => {
    const put = await countedCall("PUT", "/v1/meshes/default/services/rev-one", service("rev-one"));
    expect(put.status).toBe(201);
    expect(put.trips.map((t) => t.call)).toEqual(["batch"]);
    expect(put.trips[0]!.sql).toContain("api_tokens");
  });

  it("a token revoked is refused with 401 on its very next PUT, whatever that PUT is, and nothing is written", async () => {
    const { id, token } = await issuedWriter("rev-writer");
    const created = await call("PUT", "/v1/meshes/default/services/rev-a", service("rev-a"), as(token));
    expect(created.status).toBe(201);
    expect((await call("DELETE", `/v1/tokens/${id}`)).status).toBe(200);
    const head = await journalHead();
    const attempts: [string, string, unknown, Record<string, string>?][] = [
      ["a changed document (the one-batch path)", "/v1/meshes/default/services/rev-a", service("rev-a", 8080)],
      ["a new document", "/v1/meshes/default/services/rev-b", service("rev-b")],
      ["the identical document (would be unchanged)", "/v1/meshes/default/services/rev-a", service("rev-a")],
      ["a stale If-Match (would be 412)", "/v1/meshes/default/services/rev-a", service("rev-a", 8081), { "if-match": '"1"' }],
      ["a route naming a missing Service (would be 422)", "/v1/meshes/default/httproutes/rev-r", route("rev-r", "rev-missing", [{ name: "rev-missing" }])],
      ["an invalid document (would be 400)", "/v1/meshes/default/services/rev-c", { kind: "Service", metadata: { name: "rev-c", mesh: "default" }, spec: { ports: "none" } }],
      ["a kind of the reading path (TrafficPermission)", "/v1/meshes/default/trafficpermissions/rev-p", { kind: "TrafficPermission", metadata: { name: "rev-p" }, spec: { targetRef: { kind: "Service", name: "rev-a" }, rules: [] } }],
      ["another mesh than the token's (would be 403)", "/v1/meshes/rev-other/services/rev-d", service("rev-d", 80, "rev-other")],
    ];
    for (const [what, path, body, extra] of attempts) {
      const res = await call("PUT", path, body, as(token, extra));
      expect({ what, status: res.status, code: res.body.code }).toEqual({ what, status: 401, code: "unauthenticated" });
      expect(String(res.body.message)).toContain("revoked");
      // The refusal carries nothing of what the handler had answered.
      expect(res.headers.get("etag")).toBeNull();
    }
    expect(await journalHead()).toBe(head);
    const stored = await call("GET", "/v1/meshes/default/services/rev-a");
    expect((stored.body.spec as { ports: { port: number }[] }).ports[0]!.port).toBe(50051);
    expect((await call("GET", "/v1/meshes/default/services/rev-b")).status).toBe(404);
  });

  it("another token of the same grant is unaffected by a revocation", async () => {
    const a = await issuedWriter("rev-pair");
    const b = await issuedWriter("rev-pair");
    expect((await call("DELETE", `/v1/tokens/${a.id}`)).status).toBe(200);
    expect((await call("PUT", "/v1/meshes/default/services/rev-e", service("rev-e"), as(a.token))).status).toBe(401);
    expect((await call("PUT", "/v1/meshes/default/services/rev-e", service("rev-e"), as(b.token))).status).toBe(201);
  });

  it("an expired token is refused on the PUT with 401, writing nothing", async () => {
    const { env } = await import("cloudflare:test");
    const expired = (await signApiToken(env.API_TOKEN_SECRET!, { sub: "rev-old", role: "admin", meshes: ["*"], ttlSeconds: 60, bootstrap: true }, Date.now() - 3_600_000)).token;
    const head = await journalHead();
    const res = await call("PUT", "/v1/meshes/default/services/rev-f", service("rev-f"), as(expired));
    expect(res.status).toBe(401);
    expect(String(res.body.message)).toContain("expired");
    expect(await journalHead()).toBe(head);
  });
});
