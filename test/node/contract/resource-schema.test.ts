/**
 * validateResource on its own: the faults it reports (code, field, message,
 * hint) for each rule of the schemas, what it keeps and what it drops.
 */
import { describe, expect, it } from "vitest";
import { validateResource } from "../../../src/contract/resource-schema.js";
import { ValidationError } from "../../../src/contract/validation-error.js";

const NAME_HINT = "use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

function fault(doc: unknown, defaultMesh?: string): Pick<ValidationError, "code" | "field" | "message" | "hint"> {
  try {
    validateResource(doc, defaultMesh);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const { code, field, message, hint } = err as ValidationError;
    return { code, field, message, hint };
  }
  throw new Error("the document was accepted");
}

const route = (rule: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  kind: "HTTPRoute",
  metadata: { name: "r", mesh: "default" },
  spec: { parentRefs: [{ name: "echo" }], rules: [{ backendRefs: [{ name: "echo" }], ...rule }], ...extra },
});
const workload = (spec: Record<string, unknown>) => ({
  kind: "Workload",
  metadata: { name: "w", mesh: "default" },
  spec: { service: "echo", address: "10.0.0.7", port: 8080, zone: "west", ...spec },
});

describe("validateResource: faults", () => {
  it.each([
    ["not an object", "x", { code: "invalid_field", field: "", message: "document must be an object" }],
    ["no kind", { metadata: { name: "a" } }, { code: "missing_field", field: "kind", hint: expect.stringContaining("Service") }],
    ["unknown kind", { kind: "Gizmo" }, { code: "unknown_kind", field: "kind", message: 'unknown kind "Gizmo"', hint: expect.stringContaining("HTTPRoute") }],
    ["no metadata", { kind: "Mesh" }, { code: "missing_field", field: "metadata", message: "metadata is required" }],
    ["bad name", { kind: "Mesh", metadata: { name: "Bad_Name" } }, { code: "invalid_field", field: "metadata.name", message: 'metadata.name "Bad_Name" is not valid', hint: NAME_HINT }],
    ["name not a string", { kind: "Mesh", metadata: { name: 7 } }, { code: "invalid_field", field: "metadata.name", message: "metadata.name must be a string; got 7", hint: NAME_HINT }],
    ["mesh on a global kind", { kind: "Zone", metadata: { name: "west", mesh: "default" } }, { code: "invalid_field", field: "metadata.mesh", message: "Zone is global and belongs to no mesh", hint: "remove metadata.mesh" }],
    ["no mesh and no default", { kind: "Service", metadata: { name: "echo" }, spec: { ports: [{ port: 1 }] } }, { code: "missing_field", field: "metadata.mesh", message: "metadata.mesh is required for Service" }],
    ["bad label key", { kind: "Mesh", metadata: { name: "m", labels: { "-x": "v" } } }, { code: "invalid_field", field: "metadata.labels.-x", message: 'label key "-x" is not a valid label name', hint: expect.stringContaining("[prefix/]name") }],
    ["long label value", { kind: "Mesh", metadata: { name: "m", labels: { a: "v".repeat(64) } } }, { code: "too_large", field: "metadata.labels.a", message: "metadata.labels.a is 64 characters; at most 63 are allowed" }],
    ["unknown top-level field", { kind: "Mesh", metadata: { name: "m" }, specs: {} }, { code: "unknown_field", field: "specs", message: "specs is not a known field" }],
    ["unknown field, even null", { kind: "Mesh", metadata: { name: "m" }, spec: { mtls: { mode: "strict", modee: null } } }, { code: "unknown_field", field: "spec.mtls.modee" }],
    ["enum", { kind: "Mesh", metadata: { name: "m" }, spec: { mtls: { mode: "on" } } }, { code: "invalid_field", field: "spec.mtls.mode", message: 'spec.mtls.mode must be one of disabled, permissive, strict; got "on"' }],
    ["port range", { kind: "Zone", metadata: { name: "z" }, spec: { ingress: { address: "10.0.0.1", port: 0 } } }, { code: "invalid_field", field: "spec.ingress.port", message: "spec.ingress.port must be from 1 to 65535; got 0" }],
    ["port not whole", { kind: "Zone", metadata: { name: "z" }, spec: { ingress: { address: "10.0.0.1", port: 1.5 } } }, { code: "invalid_field", field: "spec.ingress.port", message: "spec.ingress.port must be a whole number; got 1.5", hint: "use a number from 1 to 65535" }],
    ["no ports", { kind: "Service", metadata: { name: "s", mesh: "default" }, spec: { ports: [] } }, { code: "invalid_field", field: "spec.ports", message: "spec.ports needs at least 1 item(s)" }],
    ["too many ports", { kind: "Service", metadata: { name: "s", mesh: "default" }, spec: { ports: Array.from({ length: 65 }, (_, i) => ({ port: i + 1 })) } }, { code: "too_large", field: "spec.ports", message: "spec.ports has 65 items; at most 64 are allowed" }],
    ["ports not a list", { kind: "Service", metadata: { name: "s", mesh: "default" }, spec: { ports: { port: 1 } } }, { code: "invalid_field", field: "spec.ports", message: "spec.ports must be a list" }],
    ["port listed twice", { kind: "Service", metadata: { name: "s", mesh: "default" }, spec: { ports: [{ port: 80 }, { port: 81 }, { port: 80 }] } }, { code: "invalid_field", field: "spec.ports[2].port", message: "port 80 is listed twice" }],
    ["host name as address", workload({ address: "echo.local" }), { code: "invalid_field", field: "spec.address", hint: expect.stringContaining("IP literals") }],
    ["no parentRefs", { ...route({}), spec: { rules: [{ backendRefs: [{ name: "echo" }] }] } }, { code: "missing_field", field: "spec.parentRefs", message: "spec.parentRefs is required" }],
    ["weight", route({ backendRefs: [{ name: "a" }, { name: "b", weight: "eighty" }] }), { code: "invalid_field", field: "spec.rules[0].backendRefs[1].weight", message: 'spec.rules[0].backendRefs[1].weight must be a whole number; got "eighty"', hint: expect.stringContaining("relative to the other backendRefs") }],
    ["weight range", route({ backendRefs: [{ name: "a", weight: 1_000_001 }] }), { code: "invalid_field", field: "spec.rules[0].backendRefs[0].weight", hint: expect.stringContaining("from 0 to 1000000") }],
    ["duration", route({ timeouts: { request: "10 seconds" } }), { code: "invalid_field", field: "spec.rules[0].timeouts.request", message: 'spec.rules[0].timeouts.request "10 seconds" is not a duration', hint: expect.stringContaining('"1m30s"') }],
    ["path", route({ matches: [{ path: { value: "api" } }] }), { code: "invalid_field", field: "spec.rules[0].matches[0].path.value", hint: 'paths start with "/"' }],
    ["header name", route({ matches: [{ headers: [{ name: "x y", value: "1" }] }] }), { code: "invalid_field", field: "spec.rules[0].matches[0].headers[0].name", hint: "an HTTP header name" }],
    ["regex", route({ matches: [{ headers: [{ type: "RegularExpression", name: "x", value: "(" }] }] }), { code: "invalid_field", field: "spec.rules[0].matches[0].headers[0].value", message: "spec.rules[0].matches[0].headers[0].value is not a valid regular expression" }],
    ["RE2 backreference", route({ matches: [{ headers: [{ type: "RegularExpression", name: "x", value: "(a)\\1" }] }] }), { code: "invalid_field", field: "spec.rules[0].matches[0].headers[0].value", hint: expect.stringContaining("RE2") }],
    ["too many matches", route({ matches: Array.from({ length: 17 }, () => ({})) }), { code: "too_large", field: "spec.rules[0].matches" }],
    ["failover without zones", { kind: "BackendPolicy", metadata: { name: "p", mesh: "default" }, spec: { targetRef: { kind: "Service", name: "echo" }, locality: { mode: "failover" } } }, { code: "missing_field", field: "spec.locality.failoverZones", message: "mode failover needs the zones to fail over to, in order" }],
  ])("%s", (_label, doc, expected) => {
    expect(fault(doc)).toEqual({ hint: undefined, message: expect.any(String), ...expected });
  });

  it("reports the first fault in reading order: metadata before spec, an object's fields before its unknown ones", () => {
    expect(fault({ kind: "Service", metadata: { name: "X" }, spec: { ports: "x" } }, "default").field).toBe("metadata.name");
    expect(fault({ kind: "Service", metadata: { name: "s" }, spec: { bogus: 1, ports: [{ port: 0 }] } }, "default").field).toBe("spec.ports[0].port");
  });
});

describe("validateResource: what it keeps", () => {
  it("fills defaults, lowercases header names, reads weights given as strings and drops what it only accepts", () => {
    const r = validateResource(
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "r", labels: null, revision: 9, createdAt: "then", uid: "u" },
        spec: {
          parentRefs: [{ group: "", kind: "Service", name: "echo" }],
          rules: [{ matches: [{ path: { value: "/a" }, headers: [{ name: "X-Canary", value: "1" }] }], backendRefs: [{ group: "", kind: "Service", name: "echo", weight: "80" }] }],
        },
        status: { anything: true },
      },
      "default",
    );
    expect(r).toEqual({
      kind: "HTTPRoute",
      metadata: { name: "r", mesh: "default" },
      spec: {
        parentRefs: [{ name: "echo", kind: "Service" }],
        rules: [{ matches: [{ path: { type: "PathPrefix", value: "/a" }, headers: [{ type: "Exact", name: "x-canary", value: "1" }] }], backendRefs: [{ name: "echo", weight: 80 }] }],
      },
    });
  });

  it("reads a missing or null spec as an empty one, and keeps the mesh a document names over the default", () => {
    expect(validateResource({ kind: "Mesh", metadata: { name: "m" }, spec: null })).toEqual({ kind: "Mesh", metadata: { name: "m" }, spec: {} });
    const svc = validateResource({ kind: "Service", metadata: { name: "s", mesh: "prod" }, spec: { ports: [{ port: 1 }] } }, "default");
    expect(svc.metadata.mesh).toBe("prod");
  });
});
