import { beforeEach, describe, expect, it } from "vitest";
import { call, journalHead, service } from "./api-helpers.js";

/** Mesh.spec.mtls and TrafficPermission through the API: what is stored, what is refused (nothing written). */

// Files share one D1: each test works in a mesh of its own.
let meshName = "default";
const mesh = (mode: string, extra: Record<string, unknown> = {}) => ({ kind: "Mesh", metadata: { name: meshName }, spec: { mtls: { mode, ...extra } } });
const permission = (name: string, target: string, rules: unknown[]) => ({ kind: "TrafficPermission", metadata: { name }, spec: { targetRef: { kind: "Service", name: target }, rules } });
const allowWeb = permission("orders-callers", "orders", [
  { from: [{ kind: "Service", name: "web" }], action: "Allow" },
  { from: [{ kind: "Mesh" }], action: "Deny" },
]);

async function refused(req: Promise<{ status: number; body: Record<string, unknown> }>, code: string, field: string): Promise<Record<string, unknown>> {
  const before = await journalHead();
  const res = await req;
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({ code, field });
  // An enum's message lists its values; every other refusal says what to do.
  if (!String(res.body.message).includes("must be one of")) expect(res.body.hint, JSON.stringify(res.body)).toEqual(expect.any(String));
  expect(await journalHead()).toBe(before);
  return res.body;
}

async function services(...names: string[]) {
  for (const n of names) expect((await call("PUT", `/v1/meshes/${meshName}/services/${n}`, service(n, 50051, meshName))).status).toBeLessThan(300);
}

let meshes = 0;
beforeEach(() => {
  meshName = `tp-${++meshes}`;
});

describe("Mesh.spec.mtls", () => {
  it("stores the mode with certTTL 24h and rotateAt 0.8 filled in", async () => {
    const res = await call("PUT", `/v1/meshes/${meshName}`, mesh("strict"));
    expect(res.status).toBe(201);
    expect(res.body.spec).toEqual({ mtls: { mode: "strict", certTTL: "24h", rotateAt: 0.8 } });
  });

  it("refuses a certTTL outside 60s..30 days and a rotateAt outside 0.5..0.95", async () => {
    const short = await refused(call("PUT", `/v1/meshes/${meshName}`, mesh("strict", { certTTL: "59s" })), "invalid_field", "spec.mtls.certTTL");
    expect(String(short.message)).toContain("60s");
    await refused(call("PUT", `/v1/meshes/${meshName}`, mesh("strict", { certTTL: "721h" })), "invalid_field", "spec.mtls.certTTL");
    await refused(call("PUT", `/v1/meshes/${meshName}`, mesh("strict", { rotateAt: 0.99 })), "invalid_field", "spec.mtls.rotateAt");
    await refused(call("PUT", `/v1/meshes/${meshName}`, mesh("sometimes")), "invalid_field", "spec.mtls.mode");
    expect((await call("PUT", `/v1/meshes/${meshName}`, mesh("permissive", { certTTL: "60s", rotateAt: 0.5 }))).status).toBe(201);
  });
});

describe("TrafficPermission", () => {
  it("is stored in a permissive or strict mesh and listed under trafficpermissions", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("permissive"));
    await services("orders", "web");
    const res = await call("PUT", `/v1/meshes/${meshName}/trafficpermissions/orders-callers`, allowWeb);
    expect(res.status).toBe(201);
    expect(res.body.spec).toEqual(allowWeb.spec);
    const list = await call("GET", `/v1/meshes/${meshName}/trafficpermissions`);
    expect((list.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(["orders-callers"]);
  });

  it("is refused in a mesh whose mTLS is disabled, naming the mesh", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("disabled"));
    await services("orders", "web");
    const body = await refused(call("PUT", `/v1/meshes/${meshName}/trafficpermissions/orders-callers`, allowWeb), "mtls_required", "metadata.mesh");
    expect(String(body.message)).toContain(`mesh "${meshName}"`);
  });

  it("is taken when the same bundle turns mTLS on, and blocks turning it off while it exists", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("disabled"));
    await services("orders", "web");
    const applied = await call("POST", "/v1/apply", [mesh("strict"), { ...allowWeb, metadata: { name: "orders-callers", mesh: meshName } }]);
    expect(applied.status).toBe(200);
    const body = await refused(call("PUT", `/v1/meshes/${meshName}`, mesh("disabled")), "mtls_required", "spec.mtls.mode");
    expect(String(body.message)).toContain("orders-callers");
    expect((await call("DELETE", `/v1/meshes/${meshName}/trafficpermissions/orders-callers`)).status).toBe(200);
    expect((await call("PUT", `/v1/meshes/${meshName}`, mesh("disabled"))).status).toBe(200);
  });

  it("refuses callers and targets that do not exist, a Mesh source with a name and a Service source without one", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("strict"));
    await services("orders");
    await refused(call("PUT", `/v1/meshes/${meshName}/trafficpermissions/p`, { ...allowWeb, metadata: { name: "p" } }), "missing_reference", "spec.rules[0].from[0].name");
    await refused(call("PUT", `/v1/meshes/${meshName}/trafficpermissions/p`, permission("p", "nope", [{ from: [{ kind: "Mesh" }], action: "Allow" }])), "missing_reference", "spec.targetRef.name");
    await refused(call("PUT", `/v1/meshes/${meshName}/trafficpermissions/p`, permission("p", "orders", [{ from: [{ kind: "Mesh", name: "x" }], action: "Allow" }])), "invalid_field", "spec.rules[0].from[0].name");
    await refused(call("PUT", `/v1/meshes/${meshName}/trafficpermissions/p`, permission("p", "orders", [{ from: [{ kind: "Service" }], action: "Allow" }])), "missing_field", "spec.rules[0].from[0].name");
    await refused(call("PUT", `/v1/meshes/${meshName}/trafficpermissions/p`, permission("p", "orders", [{ from: [{ kind: "Mesh" }], action: "Maybe" }])), "invalid_field", "spec.rules[0].action");
  });

  it("accepts an SMI TrafficTarget as the TrafficPermission it means, and refuses a path-limited one", async () => {
    await call("PUT", `/v1/meshes/${meshName}`, mesh("strict"));
    await services("orders", "web", "billing");
    const target = (rules: unknown[]) => ({
      apiVersion: "access.smi-spec.io/v1alpha3",
      kind: "TrafficTarget",
      metadata: { name: "orders-access", namespace: meshName },
      spec: {
        destination: { kind: "ServiceAccount", name: "orders", namespace: meshName },
        rules,
        sources: [{ kind: "ServiceAccount", name: "web", namespace: meshName }, { kind: "ServiceAccount", name: "billing" }],
      },
    });
    const res = await call("POST", "/v1/apply", [target([{ kind: "TCPRoute", name: "all" }])]);
    expect(res.status).toBe(200);
    expect(res.body.converted).toMatchObject([{ document: 0, from: "access.smi-spec.io/v1alpha3 TrafficTarget" }]);
    const stored = await call("GET", `/v1/meshes/${meshName}/trafficpermissions/orders-access`);
    expect(stored.body.spec).toEqual({ targetRef: { kind: "Service", name: "orders" }, rules: [{ from: [{ kind: "Service", name: "web" }, { kind: "Service", name: "billing" }], action: "Allow" }] });
    const before = await journalHead();
    const partial = await call("POST", "/v1/apply", [target([{ kind: "HTTPRouteGroup", name: "paths", matches: ["metrics"] }])]);
    expect(partial.status).toBe(422);
    expect(partial.body).toMatchObject({ code: "unsupported_field", field: "spec.rules[0].kind", document: 0 });
    const old = await call("POST", "/v1/apply", [{ ...target([{ kind: "TCPRoute", name: "all" }]), apiVersion: "access.smi-spec.io/v1alpha1" }]);
    expect(old.body).toMatchObject({ code: "unsupported_field", field: "apiVersion" });
    expect(await journalHead()).toBe(before);
  });
});
