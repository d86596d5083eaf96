import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, fetchAsAdmin, journalHead, route, service } from "./api-helpers.js";

/** Every bad request gets {code, message, field?} and writes nothing. */
async function expectRefused(
  req: Promise<{ status: number; body: Record<string, unknown> }>,
  status: number,
  code: string,
  field?: string,
): Promise<Record<string, unknown>> {
  const before = await journalHead();
  const res = await req;
  expect(res.status).toBe(status);
  expect(res.body.code).toBe(code);
  expect(typeof res.body.message).toBe("string");
  if (field !== undefined) expect(res.body.field).toBe(field);
  expect(await journalHead()).toBe(before);
  return res.body;
}

describe("API validation", () => {
  it("refuses malformed YAML with the line of the fault", async () => {
    const body = await expectRefused(
      call("PUT", "/v1/meshes/default/services/echo", "kind: Service\nmetadata:\n  name: echo\n spec: [", {
        "content-type": "application/yaml",
      }),
      400,
      "invalid_body",
    );
    expect(String(body.message)).toMatch(/line \d+/);
  });

  it("refuses malformed JSON", async () => {
    await expectRefused(call("PUT", "/v1/meshes/default/services/echo", "{\"kind\":", { "content-type": "application/json" }), 400, "invalid_body");
  });

  it("refuses an unknown kind in a bundle and names the document", async () => {
    const body = await expectRefused(
      call("POST", "/v1/apply", [service("a"), { kind: "Gizmo", metadata: { name: "x" }, spec: {} }]),
      422,
      "unknown_kind",
      "kind",
    );
    expect(body.document).toBe(1);
    expect(String(body.hint)).toContain("Service");
  });

  it("refuses a missing required field", async () => {
    await expectRefused(
      call("PUT", "/v1/meshes/default/services/echo", { kind: "Service", metadata: { name: "echo" }, spec: {} }),
      422,
      "missing_field",
      "spec.ports",
    );
  });

  it("refuses a wrong-typed field with its path", async () => {
    await expectRefused(
      call("PUT", "/v1/meshes/default/services/echo", { kind: "Service", metadata: { name: "echo" }, spec: { ports: [{ port: "http" }] } }),
      422,
      "invalid_field",
      "spec.ports[0].port",
    );
  });

  it("refuses an unknown field instead of dropping it", async () => {
    await expectRefused(
      call("PUT", "/v1/meshes/default/services/echo", { kind: "Service", metadata: { name: "echo" }, spec: { ports: [{ port: 1 }], portz: [] } }),
      422,
      "unknown_field",
      "spec.portz",
    );
  });

  it("refuses a route to a missing Service", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const body = await expectRefused(
      call("PUT", "/v1/meshes/default/httproutes/r", route("r", "echo", [{ name: "nope", weight: 1 }])),
      422,
      "missing_reference",
      "spec.rules[0].backendRefs[0].name",
    );
    expect(String(body.hint)).toContain("create");
  });

  it("refuses weights that do not parse, and accepts numeric strings", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    await expectRefused(
      call("PUT", "/v1/meshes/default/httproutes/r", route("r", "echo", [{ name: "echo", weight: "eighty" }])),
      422,
      "invalid_field",
      "spec.rules[0].backendRefs[0].weight",
    );
    await expectRefused(
      call("PUT", "/v1/meshes/default/httproutes/r", route("r", "echo", [{ name: "echo", weight: -1 }])),
      422,
      "invalid_field",
      "spec.rules[0].backendRefs[0].weight",
    );
    const ok = await call("PUT", "/v1/meshes/default/httproutes/r", route("r", "echo", [{ name: "echo", weight: "80" }]));
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ spec: { rules: [{ backendRefs: [{ name: "echo", weight: 80 }] }] } });
  });

  it("refuses a header regex RE2 cannot run (lookaround), naming the field", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const doc = route("r", "echo", [{ name: "echo" }]) as { spec: { rules: { matches?: unknown[] }[] } };
    doc.spec.rules[0]!.matches = [{ headers: [{ type: "RegularExpression", name: "x-canary", value: "(?=yes)y.*" }] }];
    const body = await expectRefused(call("PUT", "/v1/meshes/default/httproutes/r", doc), 422, "invalid_field", "spec.rules[0].matches[0].headers[0].value");
    expect(String(body.hint)).toContain("RE2");
  });

  it("refuses a document whose name differs from the URL", async () => {
    await expectRefused(call("PUT", "/v1/meshes/default/services/other", service("echo")), 422, "name_mismatch", "metadata.name");
  });

  it("refuses bodies over the limit with 413", async () => {
    const big = "x".repeat(1024 * 1024 + 10);
    await expectRefused(call("POST", "/v1/apply", big, { "content-type": "application/yaml" }), 413, "payload_too_large");
  });

  it("refuses a single document over 64 KiB", async () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 1500; i++) labels[`k${i}`] = "v".repeat(50);
    const doc = { ...service("echo"), metadata: { name: "echo", mesh: "default", labels } };
    await expectRefused(call("PUT", "/v1/meshes/default/services/echo", doc), 413, "payload_too_large");
  });

  it("refuses an unknown resource type in the URL", async () => {
    await expectRefused(call("GET", "/v1/meshes/default/gizmos"), 404, "not_found");
  });

  it("refuses a mesh that does not exist", async () => {
    await expectRefused(
      call("PUT", "/v1/meshes/nomesh/services/echo", service("echo", 50051, "nomesh")),
      422,
      "missing_reference",
      "metadata.mesh",
    );
  });

  it("refuses an unsupported content type", async () => {
    await expectRefused(call("POST", "/v1/apply", "<xml/>", { "content-type": "application/xml" }), 415, "unsupported_media_type");
  });
});

describe("optimistic concurrency", () => {
  it("writes with a matching If-Match and refuses a stale one with 412", async () => {
    const created = await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const rev = (created.body.metadata as { revision: number }).revision;
    const updated = await call("PUT", "/v1/meshes/default/services/echo", service("echo", 50052), { "if-match": `"${rev}"` });
    expect(updated.status).toBe(200);
    const body = await expectRefused(
      call("PUT", "/v1/meshes/default/services/echo", service("echo", 50053), { "if-match": `"${rev}"` }),
      412,
      "precondition_failed",
    );
    expect(String(body.message)).toContain(String(rev));
    await expectRefused(call("DELETE", "/v1/meshes/default/services/echo", undefined, { "if-match": `"${rev}"` }), 412, "precondition_failed");
  });

  it("does not create a new revision for an identical document", async () => {
    const a = await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const before = await journalHead();
    const b = await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    expect(b.status).toBe(200);
    expect((b.body.metadata as { revision: number }).revision).toBe((a.body.metadata as { revision: number }).revision);
    expect(await journalHead()).toBe(before);
  });
});

describe("input handling (hardening 12, 14, 15)", () => {
  const yaml = { "content-type": "application/yaml" };
  it.each([
    ["an undefined alias", "kind: Service\nmetadata: *nope\nspec: {ports: [{port: 1}]}\n", /anchor/],
    ["a self-reference", "kind: Service\nmetadata: &m {name: echo, labels: *m}\nspec: {ports: [{port: 1}]}\n", /alias/],
    ["a billion laughs", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n", /more than 100 aliases/],
    ["more than 100 aliases", `a: &a 1\nb: [${Array(101).fill("*a").join(",")}]\n`, /more than 100 aliases/],
  ])("answers 400 for YAML with %s", async (_what, body, message) => {
    const refused = await expectRefused(call("POST", "/v1/apply", body, yaml), 400, "invalid_body");
    expect(String(refused.message)).toMatch(message);
  });

  it("refuses duplicate keys in JSON as YAML does", async () => {
    const body = await expectRefused(call("PUT", "/v1/meshes/default/services/echo", '{"kind":"Bogus","kind":"Service","metadata":{"name":"echo"},"spec":{"ports":[{"port":1}]}}', { "content-type": "application/json" }), 400, "invalid_body", "kind");
    expect(String(body.message)).toContain("twice");
    await expectRefused(call("POST", "/v1/apply", '[{"kind":"Service","metadata":{"name":"a","name":"b"},"spec":{"ports":[{"port":1}]}}]', { "content-type": "application/json" }), 400, "invalid_body", "[0].metadata.name");
    await expectRefused(call("PUT", "/v1/meshes/default/services/echo", "kind: Service\nkind: Service\nmetadata: {name: echo}\n", yaml), 400, "invalid_body");
  });

  it("refuses control characters, unpaired surrogates and invalid UTF-8", async () => {
    const headerRoute = (value: string) =>
      JSON.stringify({ kind: "HTTPRoute", metadata: { name: "r" }, spec: { parentRefs: [{ name: "echo" }], rules: [{ matches: [{ headers: [{ name: "x", value }] }], backendRefs: [{ name: "echo" }] }] } });
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    for (const value of ["a\u0000b", "a\r\nX-Injected: 1", "a\ud800"]) {
      await expectRefused(call("PUT", "/v1/meshes/default/httproutes/r", headerRoute(value), { "content-type": "application/json" }), 422, "invalid_field", "spec.rules[0].matches[0].headers[0].value");
    }
    const workload = '{"kind":"Workload","metadata":{"name":"w"},"spec":{"service":"echo","address":"10.0.0.1\\n","port":1,"zone":"z"}}';
    await expectRefused(call("PUT", "/v1/meshes/default/workloads/w", workload, { "content-type": "application/json" }), 422, "invalid_field", "spec.address");
    const bytes = new Uint8Array([...new TextEncoder().encode('{"kind":"Service","metadata":{"name":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}}')]);
    const res = await fetchAsAdmin("http://api/v1/meshes/default/services/echo", { method: "PUT", headers: { "content-type": "application/json" }, body: bytes });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain("UTF-8");
    const longPrefix = { ...service("echo"), metadata: { name: "echo", labels: { [`${Array(5).fill("a".repeat(60)).join(".")}/x`]: "v" } } };
    await expectRefused(call("PUT", "/v1/meshes/default/services/echo", longPrefix), 422, "invalid_field");
  });

  it("writes only JSON and YAML bodies, and refuses other sites' browsers", async () => {
    const doc = "kind: Service\nmetadata: {name: csrf}\nspec: {ports: [{port: 1}]}\n";
    await expectRefused(call("PUT", "/v1/meshes/default/services/csrf", doc, { "content-type": "text/plain" }), 415, "unsupported_media_type");
    await expectRefused(call("PUT", "/v1/meshes/default/services/csrf", doc, { "content-type": "application/x-www-form-urlencoded" }), 415, "unsupported_media_type");
    await expectRefused(call("PUT", "/v1/meshes/default/services/csrf", doc), 415, "unsupported_media_type");
    await expectRefused(call("PUT", "/v1/meshes/default/services/csrf", doc, { "content-type": "application/yaml", origin: "https://evil.example" }), 403, "forbidden_origin");
    const read = await call("GET", "/v1/meshes", undefined, { origin: "https://evil.example" });
    expect(read.status).toBe(403);
    const same = await call("PUT", "/v1/meshes/default/services/csrf", doc, { "content-type": "application/yaml", origin: "http://api" });
    expect(same.status).toBe(201);
  });
});

describe("every fault of a document", () => {
  interface Fault { code: string; field: string; message: string; hint?: string; document?: number }
  const bad = () => route("two-faults", "echo", [{ name: "echo", weight: -5 }, { name: "echo", weight: "heavy" }]);
  const fields = ["spec.rules[0].backendRefs[0].weight", "spec.rules[0].backendRefs[1].weight"];

  it("a PUT lists both bad fields in errors, the first also at top level as before, and writes nothing", async () => {
    await call("PUT", "/v1/meshes/default/services/echo", service("echo"));
    const body = await expectRefused(call("PUT", "/v1/meshes/default/httproutes/two-faults", bad()), 422, "invalid_field", fields[0]);
    const errors = body.errors as Fault[];
    expect(errors.map((e) => e.field)).toEqual(fields);
    // The top level is the first fault, word for word: clients reading only it see what they always did.
    expect(errors[0]).toEqual({ code: body.code, field: body.field, message: body.message, ...(body.hint !== undefined ? { hint: body.hint } : {}) });
    expect(errors[1]!.message).toMatch(/whole number; got "heavy"/);
    expect((await call("GET", "/v1/meshes/default/httproutes/two-faults")).status).toBe(404);
  });

  it("a dry run of a bundle lists both, each naming its document, and writes nothing", async () => {
    const body = await expectRefused(call("POST", "/v1/apply?dryRun=true", [service("echo"), bad()]), 422, "invalid_field", fields[0]);
    expect(body.document).toBe(1);
    const errors = body.errors as Fault[];
    expect(errors.map((e) => [e.document, e.field])).toEqual(fields.map((f) => [1, f]));
  });

  it("caps the list, so a huge bad document cannot make a huge answer", async () => {
    const spec = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`bogus${i}`, i]));
    const doc = { kind: "Service", metadata: { name: "many-faults" }, spec: { ports: [{ port: 50051, protocol: "grpc" }], ...spec } };
    const body = await expectRefused(call("PUT", "/v1/meshes/default/services/many-faults", doc), 422, "unknown_field", "spec.bogus0");
    const errors = body.errors as Fault[];
    expect(errors).toHaveLength(20);
    expect(errors.map((e) => e.field).slice(0, 2)).toEqual(["spec.bogus0", "spec.bogus1"]);
  });
});
