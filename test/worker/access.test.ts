/**
 * Access control (issue 10): one route table decides who may call what
 * (src/api/route-table.ts, enforced by src/api/access.ts). These tests walk
 * that table and the router, run every route as nobody, a reader of another
 * mesh, a writer of `default` and an admin, and check the token routes,
 * revocation and the brute-force penalty.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { routeOf } from "../../src/api/access.js";
import { app } from "../../src/api/app.js";
import { AuthPenalty } from "../../src/api/auth-penalty.js";
import { ROUTES, type RouteSpec } from "../../src/api/route-table.js";
import { roleCovers, type Role } from "../../src/contract/api-token.js";
import { call, journalHead, service } from "./api-helpers.js";
import { apiToken } from "./api-token.js";

const PARAMS: Record<string, string> = { mesh: "default", kinds: "services", name: "acc-svc", zone: "acc-zone", id: "acc-id" };
/** Mesh resource routes name the mesh itself in {name}. */
const concrete = (r: RouteSpec) => (r.path === "/v1/events" ? "/v1/events?mesh=default" : "") || r.path.replace(/\{([^}]+)\}/g, (_m, p: string) => (r.path.startsWith("/v1/meshes/{name}") && p === "name" ? "default" : PARAMS[p]!));

function bodyFor(r: RouteSpec): string | undefined {
  if (r.method === "GET" || r.method === "DELETE") return undefined;
  if (r.path.endsWith("/rollback")) return JSON.stringify({ revision: 1 });
  if (r.path === "/v1/apply") return JSON.stringify([service("acc-apply")]);
  if (r.path === "/v1/tokens") return JSON.stringify({ subject: "acc", role: "reader", meshes: ["default"] });
  if (r.path.endsWith("/faults")) return JSON.stringify({ uplinkDown: false });
  if (r.path.endsWith("/tokens")) return "";
  if (r.path.startsWith("/v1/zones/")) return JSON.stringify({ kind: "Zone", metadata: { name: "acc-svc" }, spec: {} });
  if (r.path.startsWith("/v1/meshes/{name}")) return JSON.stringify({ kind: "Mesh", metadata: { name: "default" }, spec: {} });
  return JSON.stringify(service("acc-svc"));
}

type Expect = "unauthenticated" | "forbidden" | "allowed";

/** What the table says a caller gets: the route's role and mesh rule. */
function expected(r: RouteSpec, caller: { role: Role; meshes: string[] } | undefined): Expect {
  if ("public" in r.access) return "allowed";
  if (!caller) return "unauthenticated";
  if (!roleCovers(caller.role, r.access.role)) return "forbidden";
  const coversDefault = caller.meshes.includes("*") || caller.meshes.includes("default");
  if (typeof r.access.mesh === "object") return coversDefault ? "allowed" : "forbidden";
  // Handler-checked routes whose request here concerns mesh default.
  if (r.access.mesh === "handler" && (r.path === "/v1/apply" || r.path === "/v1/events")) return coversDefault ? "allowed" : "forbidden";
  return "allowed";
}

const CALLERS: [string, { role: Role; meshes: string[] } | undefined][] = [
  ["no token", undefined],
  ["a reader of another mesh", { role: "reader", meshes: ["other"] }],
  ["a writer of default", { role: "writer", meshes: ["default"] }],
  ["an admin", { role: "admin", meshes: ["*"] }],
];

describe("the route table", () => {
  it("has an access decision for every route the router serves, and the router no route the table lacks", () => {
    const served = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    const missing = served.filter((line) => {
      const [method, path] = line.split(" ") as [string, string];
      const concretePath = path.replace(/:([^/]+)/g, (_m, p: string) => PARAMS[p] ?? "x");
      return routeOf(method, concretePath) === undefined;
    });
    expect(missing).toEqual([]);
    for (const r of ROUTES) expect(r.access, `${r.method} ${r.path}`).toBeDefined();
  });
});

describe("every route for every kind of caller", () => {
  for (const r of ROUTES) {
    for (const [who, caller] of CALLERS) {
      const want = expected(r, caller);
      it(`${r.method} ${r.path} as ${who}: ${want}`, async () => {
        const headers: Record<string, string> = { authorization: caller ? `Bearer ${await apiToken(caller.role, caller.meshes)}` : "" };
        const body = bodyFor(r);
        if (body !== undefined && body !== "") headers["content-type"] = "application/json";
        const before = await journalHead();
        const res = r.path.endsWith("/connect") || r.path === "/v1/events" || r.path === "/v1/metrics"
          ? await SELF.fetch(`http://api${concrete(r)}`, { method: r.method, headers: caller ? { authorization: headers.authorization! } : {} })
          : undefined;
        const status = res ? res.status : (await call(r.method, concrete(r), body, headers)).status;
        await res?.body?.cancel();
        if (want === "unauthenticated") expect(status).toBe(401);
        else if (want === "forbidden") expect(status).toBe(403);
        else expect([401, 403]).not.toContain(status);
        if (want !== "allowed") expect(await journalHead()).toBe(before);
      });
    }
  }
});

describe("API tokens", () => {
  it("issues a token shown once, lists tokens without it, and a revocation refuses it on the next request", async () => {
    const issued = await call("POST", "/v1/tokens", { subject: "ci-pipeline", role: "writer", meshes: ["default"], ttlSeconds: 3600 });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ subject: "ci-pipeline", role: "writer", meshes: ["default"], revokedAt: null });
    const token = String(issued.body.token);
    const auth = { authorization: `Bearer ${token}` };
    expect((await call("PUT", "/v1/meshes/default/services/tok-a", service("tok-a"), auth)).status).toBe(201);
    expect((await call("PUT", "/v1/zones/tok-z", { kind: "Zone", metadata: { name: "tok-z" }, spec: {} }, auth)).status).toBe(403);
    const listed = await call("GET", "/v1/tokens");
    const row = (listed.body.items as Record<string, unknown>[]).find((t) => t.id === issued.body.id);
    expect(row).toMatchObject({ subject: "ci-pipeline" });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect((await call("DELETE", `/v1/tokens/${String(issued.body.id)}`)).status).toBe(200);
    expect((await call("DELETE", `/v1/tokens/${String(issued.body.id)}`)).status).toBe(200);
    const refused = await call("GET", "/v1/meshes/default/services", undefined, auth);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: "unauthenticated" });
    expect(String(refused.body.message)).toContain("revoked");
  });

  it("refuses a malformed, a wrongly signed and an expired token with 401, naming why", async () => {
    const { signApiToken } = await import("../../src/contract/api-token.js");
    const forged = (await signApiToken("another-secret", { sub: "x", role: "admin", meshes: ["*"], ttlSeconds: 60 }, Date.now())).token;
    const expired = (await signApiToken("test-api-token-secret", { sub: "x", role: "admin", meshes: ["*"], ttlSeconds: 60 }, Date.now() - 3_600_000)).token;
    for (const [token, why] of [["not-a-jwt", "not an API token"], [forged, "not signed by this deployment"], [expired, "expired"]] as const) {
      const res = await call("GET", "/v1/meshes", undefined, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(String(res.body.message)).toContain(why);
    }
    expect((await call("GET", "/v1/meshes", undefined, { authorization: "" })).headers.get("www-authenticate")).toContain("Bearer");
  });

  it("lists only the meshes a token covers", async () => {
    await call("PUT", "/v1/meshes/acc-other", { kind: "Mesh", metadata: { name: "acc-other" }, spec: {} });
    const res = await call("GET", "/v1/meshes", undefined, { authorization: `Bearer ${await apiToken("reader", ["acc-other"])}` });
    expect((res.body.items as { metadata: { name: string } }[]).map((m) => m.metadata.name)).toEqual(["acc-other"]);
  });
});

describe("the brute-force penalty", () => {
  it("delays each further refusal from one client, up to 2 s, and forgets a client after a good token", async () => {
    let now = 0;
    const slept: number[] = [];
    const penalty = new AuthPenalty(() => now, async (ms) => void slept.push(ms));
    for (let i = 0; i < 7; i++) await penalty.failed("10.0.0.1");
    expect(slept).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    await penalty.failed("10.0.0.2");
    expect(slept.at(-1)).toBe(100);
    penalty.succeeded("10.0.0.1");
    await penalty.failed("10.0.0.1");
    expect(slept.at(-1)).toBe(100);
    now += 61_000;
    await penalty.failed("10.0.0.2");
    expect(slept.at(-1)).toBe(100);
  });
});
