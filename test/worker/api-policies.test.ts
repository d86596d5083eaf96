import { describe, expect, it } from "vitest";
import { call, journalHead, service } from "./api-helpers.js";

/** Traffic policies through the API: refusals (422, nothing written), warnings, Gateway API and SMI documents. */

async function refused(req: Promise<{ status: number; body: Record<string, unknown> }>, code: string, field: string): Promise<Record<string, unknown>> {
  const before = await journalHead();
  const res = await req;
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({ code, field });
  expect(await journalHead()).toBe(before);
  return res.body;
}

const headerRoute = (value: string) => ({
  kind: "HTTPRoute",
  metadata: { name: "re" },
  spec: { parentRefs: [{ name: "echo" }], rules: [{ matches: [{ headers: [{ type: "RegularExpression", name: "x", value }] }], backendRefs: [{ name: "echo" }] }] },
});

describe("regexes every proxy can run (hardening 1)", () => {
  it("refuses a header regex JavaScript's RegExp refuses with the u flag, as grpc-js-xds compiles it", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const body = await refused(call("PUT", "/v1/meshes/default/httproutes/re", headerRoute("a\\Z")), "invalid_field", "spec.rules[0].matches[0].headers[0].value");
    expect(String(body.message)).toMatch(/JavaScript|RE2/);
  });

  it("refuses a header regex RE2 refuses though JavaScript accepts it", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const body = await refused(call("PUT", "/v1/meshes/default/httproutes/re", headerRoute("[]")), "invalid_field", "spec.rules[0].matches[0].headers[0].value");
    expect(String(body.message)).toContain("RE2");
  });

  it("checks query parameter, path and GRPCRoute method regexes the same way", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const query = { ...headerRoute("x"), spec: { parentRefs: [{ name: "echo" }], rules: [{ matches: [{ queryParams: [{ type: "RegularExpression", name: "q", value: "a\\Z" }] }], backendRefs: [{ name: "echo" }] }] } };
    await refused(call("PUT", "/v1/meshes/default/httproutes/re", query), "invalid_field", "spec.rules[0].matches[0].queryParams[0].value");
    const path = { ...headerRoute("x"), spec: { parentRefs: [{ name: "echo" }], rules: [{ matches: [{ path: { type: "RegularExpression", value: "/a(?=b)" } }], backendRefs: [{ name: "echo" }] }] } };
    await refused(call("PUT", "/v1/meshes/default/httproutes/re", path), "invalid_field", "spec.rules[0].matches[0].path.value");
    const grpc = { kind: "GRPCRoute", metadata: { name: "g" }, spec: { parentRefs: [{ name: "echo" }], rules: [{ matches: [{ method: { type: "RegularExpression", service: "[]" } }], backendRefs: [{ name: "echo" }] }] } };
    await refused(call("PUT", "/v1/meshes/default/grpcroutes/g", grpc), "invalid_field", "spec.rules[0].matches[0].method.service");
  });
});

describe("a parentRef port the Service lacks (hardening 5)", () => {
  const route = (port: number) => ({ kind: "HTTPRoute", metadata: { name: "on-port" }, spec: { parentRefs: [{ name: "echo", port }], rules: [{ backendRefs: [{ name: "echo" }] }] } });

  it("is refused with the field, against the stored Service", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo", 50051));
    const body = await refused(call("PUT", "/v1/meshes/default/httproutes/on-port", route(9999)), "missing_reference", "spec.parentRefs[0].port");
    expect(String(body.hint)).toContain("50051");
    expect((await call("PUT", "/v1/meshes/default/httproutes/on-port", route(50051))).status).toBe(201);
  });

  it("counts the ports the same bundle gives the Service, in both directions", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo", 50051));
    const ok = await call("POST", "/v1/apply", [service("echo", 7000), route(7000)]);
    expect(ok.status).toBe(200);
    const body = await refused(call("POST", "/v1/apply", [service("echo", 7001), route(7000)]), "missing_reference", "spec.parentRefs[0].port");
    expect(body.document).toBe(1);
  });
});

describe("warnings: fields some proxies will not apply", () => {
  const policy = {
    kind: "BackendPolicy",
    metadata: { name: "echo-policy" },
    spec: { targetRef: { kind: "Service", name: "echo" }, loadBalancer: { type: "LeastRequest" }, healthCheck: { interval: "5s", timeout: "1s", unhealthyThreshold: 2, healthyThreshold: 1, grpc: {} } },
  };

  it("come with a PUT, a dry run and an apply, and the PUT answer can be written back", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const dry = await call("POST", "/v1/apply?dryRun=true", [policy]);
    expect(dry.status).toBe(200);
    expect(dry.body.warnings).toEqual([
      expect.objectContaining({ document: 0, kind: "BackendPolicy", name: "echo-policy", field: "spec.loadBalancer.type", proxies: "proxyless" }),
      expect.objectContaining({ document: 0, field: "spec.healthCheck", proxies: "proxyless" }),
    ]);
    const put = await call("PUT", "/v1/meshes/default/backendpolicies/echo-policy", policy);
    expect(put.status).toBe(201);
    expect((put.body.warnings as { field: string }[]).map((w) => w.field)).toEqual(["spec.loadBalancer.type", "spec.healthCheck"]);
    expect(String((put.body.warnings as { message: string }[])[0]?.message)).toContain("round robin");
    const again = await call("PUT", "/v1/meshes/default/backendpolicies/echo-policy", put.body);
    expect(again.status).toBe(200);
    const applied = await call("POST", "/v1/apply", [service("echo"), policy]);
    expect((applied.body.warnings as { document: number }[]).map((w) => w.document)).toEqual([1, 1]);
  });

  it("are empty for a document every proxy applies", async () => {
    const applied = await call("POST", "/v1/apply", [service("plain")]);
    expect(applied.body.warnings).toEqual([]);
    const put = await call("PUT", "/v1/meshes/default/services/plain2", service("plain2"));
    expect(put.body.warnings).toBeUndefined();
  });

  it("name HTTPRoute fields proxyless clients do not apply: header filters, mirrors, query matches, non-retryable codes", async () => {
    const route = {
      kind: "HTTPRoute",
      metadata: { name: "w" },
      spec: {
        parentRefs: [{ name: "echo" }],
        rules: [
          {
            matches: [{ queryParams: [{ name: "debug", value: "1" }] }],
            filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x", value: "1" }] } }, { type: "RequestMirror", requestMirror: { backendRef: { name: "echo" } } }],
            retry: { codes: [500, 503] },
            backendRefs: [{ name: "echo" }],
          },
        ],
      },
    };
    const res = await call("POST", "/v1/apply?dryRun=true", [service("echo"), route]);
    expect((res.body.warnings as { field: string }[]).map((w) => w.field)).toEqual([
      "spec.rules[0].matches[0].queryParams",
      "spec.rules[0].filters[0]",
      "spec.rules[0].filters[1]",
      "spec.rules[0].retry.codes[0]",
    ]);
  });
});

describe("Gateway API documents as written", () => {
  it("take metadata.namespace as the mesh and group \"\" Service parents", async () => {
    await call("PUT", "/v1/meshes/shop", { kind: "Mesh", metadata: { name: "shop" } });
    const doc = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "cart", namespace: "shop" },
      spec: { parentRefs: [{ group: "", kind: "Service", name: "cart", port: 80 }], rules: [{ backendRefs: [{ group: "", kind: "Service", name: "cart", namespace: "shop", port: 80 }] }] },
    };
    const res = await call("POST", "/v1/apply", [{ kind: "Service", metadata: { name: "cart", namespace: "shop" }, spec: { ports: [{ port: 80 }] } }, doc]);
    expect(res.status).toBe(200);
    const stored = await call("GET", "/v1/meshes/shop/httproutes/cart");
    expect(stored.body.metadata).toMatchObject({ name: "cart", mesh: "shop" });
    expect(JSON.stringify(stored.body.spec)).not.toContain("namespace");
  });

  it("refuse what Edgeplane does not implement, naming the field", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const base = { kind: "HTTPRoute", metadata: { name: "gw" } };
    const rules = [{ backendRefs: [{ name: "echo" }] }];
    await refused(call("PUT", "/v1/meshes/default/httproutes/gw", { ...base, spec: { parentRefs: [{ name: "echo" }], hostnames: ["echo.local"], rules } }), "unsupported_field", "spec.hostnames");
    await refused(call("PUT", "/v1/meshes/default/httproutes/gw", { ...base, spec: { parentRefs: [{ name: "echo", sectionName: "grpc" }], rules } }), "unsupported_field", "spec.parentRefs[0].sectionName");
    await refused(
      call("PUT", "/v1/meshes/default/httproutes/gw", { ...base, spec: { parentRefs: [{ name: "echo" }], rules: [{ filters: [{ type: "ExtensionRef", extensionRef: { group: "x", kind: "Y", name: "z" } }], backendRefs: [{ name: "echo" }] }] } }),
      "unsupported_field",
      "spec.rules[0].filters[0].type",
    );
    await refused(
      call("PUT", "/v1/meshes/default/httproutes/gw", { ...base, spec: { parentRefs: [{ name: "echo" }], rules: [{ backendRefs: [{ name: "echo", namespace: "other" }] }] } }),
      "unsupported_field",
      "spec.rules[0].backendRefs[0].namespace",
    );
    await refused(call("PUT", "/v1/meshes/default/httproutes/gw", { ...base, spec: { parentRefs: [{ name: "echo" }], rules: [{ sessionPersistence: { sessionName: "s" }, backendRefs: [{ name: "echo" }] }] } }), "unsupported_field", "spec.rules[0].sessionPersistence");
  });

  it("store a GRPCRoute under grpcroutes", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const doc = { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", metadata: { name: "g" }, spec: { parentRefs: [{ name: "echo" }], rules: [{ matches: [{ method: { service: "demo.Echo", method: "Call" } }], backendRefs: [{ name: "echo" }] }] } };
    expect((await call("PUT", "/v1/meshes/default/grpcroutes/g", doc)).status).toBe(201);
    expect(((await call("GET", "/v1/meshes/default/grpcroutes")).body.items as unknown[]).length).toBe(1);
  });
});

describe("SMI TrafficSplit", () => {
  const split = (apiVersion: string, weights: [unknown, unknown], extra: Record<string, unknown> = {}) => ({
    apiVersion,
    kind: "TrafficSplit",
    metadata: { name: "echo-split" },
    spec: { service: "echo", backends: [{ service: "echo-v1", weight: weights[0] }, { service: "echo-v2", weight: weights[1] }], ...extra },
  });
  const services = () => [service("echo"), service("echo-v1"), service("echo-v2")];

  it("is stored by PUT as the HTTPRoute it means, labelled with where it came from", async () => {
    await call("POST", "/v1/apply", services());
    const res = await call("PUT", "/v1/meshes/default/httproutes/echo-split", split("split.smi-spec.io/v1alpha2", [80, 20]));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: "HTTPRoute",
      metadata: { name: "echo-split", labels: { "edgeplane.io/converted-from": "TrafficSplit.v1alpha2.split.smi-spec.io" } },
      spec: { parentRefs: [{ name: "echo" }], rules: [{ backendRefs: [{ name: "echo-v1", weight: 80 }, { name: "echo-v2", weight: 20 }] }] },
    });
  });

  it("reads v1alpha1 quantities and takes matches from an HTTPRouteGroup of the same bundle; the answer shows the conversion", async () => {
    const group = {
      apiVersion: "specs.smi-spec.io/v1alpha4",
      kind: "HTTPRouteGroup",
      metadata: { name: "calls" },
      spec: { matches: [{ name: "call", pathRegex: "/edgeplane\\.demo\\.Echo/.*", methods: ["POST"], headers: { "x-tenant": "beta" } }] },
    };
    const res = await call("POST", "/v1/apply", [...services(), group, split("split.smi-spec.io/v1alpha4", [1, 3], { matches: [{ kind: "HTTPRouteGroup", name: "calls" }] })]);
    expect(res.status).toBe(200);
    expect(res.body.converted).toEqual([expect.objectContaining({ document: 4, from: "split.smi-spec.io/v1alpha4 TrafficSplit" })]);
    const route = (await call("GET", "/v1/meshes/default/httproutes/echo-split")).body as { spec: { rules: { matches?: unknown[]; backendRefs: unknown[] }[] } };
    expect(route.spec.rules[0]?.matches).toEqual([{ path: { type: "RegularExpression", value: "/edgeplane\\.demo\\.Echo/.*" }, headers: [{ type: "RegularExpression", name: "x-tenant", value: "beta" }], method: "POST" }]);
    expect(route.spec.rules[1]).toEqual({ backendRefs: [{ name: "echo" }] });
    const v1 = await call("POST", "/v1/apply", [...services(), split("split.smi-spec.io/v1alpha1", ["500m", "1"])]);
    expect(v1.status).toBe(200);
    const weights = ((await call("GET", "/v1/meshes/default/httproutes/echo-split")).body as { spec: { rules: { backendRefs: { weight: number }[] }[] } }).spec.rules[0]?.backendRefs.map((b) => b.weight);
    expect(weights).toEqual([500, 1000]);
  });

  it("refuses a split whose HTTPRouteGroup is missing, and an unknown version, naming the document and field", async () => {
    await call("POST", "/v1/apply", services());
    const body = await refused(call("POST", "/v1/apply", [split("split.smi-spec.io/v1alpha4", [1, 1], { matches: [{ kind: "HTTPRouteGroup", name: "nope" }] })]), "missing_field", "spec.matches[0].name");
    expect(body.document).toBe(0);
    await refused(call("POST", "/v1/apply", [split("split.smi-spec.io/v9", [1, 1])]), "unsupported_field", "apiVersion");
  });
});
