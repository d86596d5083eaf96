import { parseDurationMs } from "./duration.js";
import { FieldReader, checkInt, checkString } from "./field-reader.js";
import {
  GLOBAL_KINDS,
  KINDS,
  isKind,
  type BackendPolicySpec,
  type BackendRef,
  type HeaderMatch,
  type HTTPRouteSpec,
  type Kind,
  type MeshSpec,
  type Metadata,
  type ParentRef,
  type Resource,
  type RouteMatch,
  type RouteRule,
  type ServicePort,
  type ServiceSpec,
  type SpecByKind,
  type WorkloadSpec,
  type ZoneSpec,
} from "./resource-types.js";
import { ValidationError } from "./validation-error.js";

/** DNS-label names, as Kubernetes and Kuma use for resource and mesh names. */
export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME_HINT = "use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]{2,39}$/;
const PORT = { min: 1, max: 65535 } as const;
export const MAX_WEIGHT = 1_000_000;

/**
 * Checks an untrusted document and returns it as a typed Resource, keeping
 * only known fields. Server-set metadata (revision, timestamps) is dropped:
 * the store sets it. `defaultMesh` fills metadata.mesh for mesh-scoped kinds
 * when the document leaves it out (the URL names the mesh).
 *
 * @example validateResource(YAML.parse(text), "default")
 */
export function validateResource(doc: unknown, defaultMesh?: string): Resource {
  const top = FieldReader.object(doc, "");
  const kindValue = top.raw("kind");
  if (kindValue === undefined) throw new ValidationError("missing_field", "kind", "kind is required", `one of ${KINDS.join(", ")}`);
  if (!isKind(kindValue)) {
    throw new ValidationError("unknown_kind", "kind", `unknown kind ${JSON.stringify(kindValue)}`, `one of ${KINDS.join(", ")}`);
  }
  const kind = kindValue;
  top.raw("apiVersion"); // accepted and ignored, so Kubernetes-style documents apply unchanged
  top.raw("status"); // server-owned; a document read back from the API may carry it
  const metadata = readMetadata(kind, top.raw("metadata"), defaultMesh);
  const specReader = top.has("spec") ? FieldReader.object(top.raw("spec"), "spec") : FieldReader.object({}, "spec");
  if (!top.has("spec")) top.raw("spec");
  const spec = SPEC_READERS[kind](specReader);
  specReader.done();
  top.done();
  return { kind, metadata, spec } as Resource;
}

function readMetadata(kind: Kind, value: unknown, defaultMesh: string | undefined): Metadata {
  if (value === undefined) throw new ValidationError("missing_field", "metadata", "metadata is required");
  const r = FieldReader.object(value, "metadata");
  const name = r.string("name", { pattern: NAME_PATTERN, hint: NAME_HINT });
  const labels = r.optionalLabels("labels");
  // Server-set fields are accepted (round trips of GET output) but not kept.
  for (const f of ["revision", "createdAt", "updatedAt", "uid"]) r.raw(f);
  let mesh: string | undefined;
  if (GLOBAL_KINDS.has(kind)) {
    if (r.has("mesh")) {
      throw new ValidationError("invalid_field", "metadata.mesh", `${kind} is global and belongs to no mesh`, "remove metadata.mesh");
    }
    r.raw("mesh");
  } else {
    mesh = r.optionalString("mesh", { pattern: NAME_PATTERN, hint: NAME_HINT }) ?? defaultMesh;
    if (mesh === undefined) {
      throw new ValidationError("missing_field", "metadata.mesh", `metadata.mesh is required for ${kind}`);
    }
  }
  r.done();
  const out: Metadata = { name };
  if (mesh !== undefined) out.mesh = mesh;
  if (labels) out.labels = labels;
  return out;
}

const SPEC_READERS: { [K in Kind]: (r: FieldReader) => SpecByKind[K] } = {
  Mesh(r): MeshSpec {
    const mtls = r.optionalObject("mtls");
    if (!mtls) return {};
    const mode = mtls.oneOf("mode", ["disabled", "permissive", "strict"] as const);
    mtls.done();
    return { mtls: { mode } };
  },

  Zone(r): ZoneSpec {
    const ingress = r.optionalObject("ingress");
    if (!ingress) return {};
    const address = ingress.string("address", { max: 253 });
    const port = ingress.int("port", PORT);
    ingress.done();
    return { ingress: { address, port } };
  },

  Service(r): ServiceSpec {
    const ports = r.array("ports", readServicePort, { min: 1, max: 64 });
    const seen = new Set<number>();
    ports.forEach((p, i) => {
      if (seen.has(p.port)) throw new ValidationError("invalid_field", `spec.ports[${i}].port`, `port ${p.port} is listed twice`);
      seen.add(p.port);
    });
    return { ports };
  },

  Workload(r): WorkloadSpec {
    const spec: WorkloadSpec = {
      service: r.string("service", { pattern: NAME_PATTERN, hint: NAME_HINT }),
      address: r.string("address", { hint: "an IPv4 or IPv6 literal such as 10.0.0.7" }),
      port: r.int("port", PORT),
      zone: r.string("zone", { pattern: NAME_PATTERN, hint: NAME_HINT }),
    };
    if (!IPV4.test(spec.address) && !(spec.address.includes(":") && IPV6.test(spec.address))) {
      throw new ValidationError("invalid_field", "spec.address", `spec.address "${spec.address}" is not an IP address`,
        "proxyless gRPC clients need IP literals in endpoints, such as 10.0.0.7");
    }
    const labels = r.optionalLabels("labels");
    if (labels) spec.labels = labels;
    const health = r.optionalOneOf("health", ["healthy", "unhealthy"] as const);
    if (health) spec.health = health;
    const weight = r.optionalInt("weight", { min: 1, max: MAX_WEIGHT });
    if (weight !== undefined) spec.weight = weight;
    return spec;
  },

  HTTPRoute(r): HTTPRouteSpec {
    return {
      parentRefs: r.array("parentRefs", readParentRef, { min: 1, max: 16 }),
      rules: r.array("rules", readRule, { min: 1, max: 64 }),
    };
  },

  BackendPolicy(r): BackendPolicySpec {
    const target = FieldReader.object(r.raw("targetRef"), "spec.targetRef");
    target.raw("group");
    target.oneOf("kind", ["Service"] as const);
    const spec: BackendPolicySpec = { targetRef: { kind: "Service", name: target.string("name", { pattern: NAME_PATTERN, hint: NAME_HINT }) } };
    target.done();
    const loc = r.optionalObject("locality");
    if (loc) {
      const mode = loc.has("mode") ? loc.oneOf("mode", ["preferLocal", "failover", "any"] as const) : (loc.raw("mode"), "preferLocal" as const);
      spec.locality = { mode };
      const zones = loc.optionalArray("failoverZones", (v, p) => checkString(v, p, { pattern: NAME_PATTERN, hint: NAME_HINT }), { max: 32 });
      if (zones) spec.locality.failoverZones = zones;
      if (mode === "failover" && !zones?.length) {
        throw new ValidationError("missing_field", "spec.locality.failoverZones", "mode failover needs the zones to fail over to, in order");
      }
      const min = loc.optionalInt("minHealthyLocal", { min: 0, max: 100_000 });
      if (min !== undefined) spec.locality.minHealthyLocal = min;
      loc.done();
    }
    const lb = r.optionalObject("loadBalancer");
    if (lb) {
      spec.loadBalancer = { type: lb.oneOf("type", ["RoundRobin", "LeastRequest", "RingHash", "Random"] as const) };
      lb.done();
    }
    return spec;
  },
};

function readServicePort(value: unknown, path: string): ServicePort {
  const r = FieldReader.object(value, path);
  const port: ServicePort = { port: r.int("port", PORT) };
  const name = r.optionalString("name", { pattern: NAME_PATTERN, hint: NAME_HINT });
  if (name) port.name = name;
  const protocol = r.optionalOneOf("protocol", ["http", "grpc", "tcp"] as const);
  if (protocol) port.protocol = protocol;
  const targetPort = r.optionalInt("targetPort", PORT);
  if (targetPort !== undefined) port.targetPort = targetPort;
  r.done();
  return port;
}

function readParentRef(value: unknown, path: string): ParentRef {
  const r = FieldReader.object(value, path);
  r.raw("group"); // "" or "core" in GAMMA documents; only Services are parents here
  const kind = r.optionalOneOf("kind", ["Service"] as const);
  const ref: ParentRef = { name: r.string("name", { pattern: NAME_PATTERN, hint: NAME_HINT }) };
  if (kind) ref.kind = kind;
  const port = r.optionalInt("port", PORT);
  if (port !== undefined) ref.port = port;
  r.done();
  return ref;
}

function readRule(value: unknown, path: string): RouteRule {
  const r = FieldReader.object(value, path);
  const rule: RouteRule = {
    backendRefs: r.array("backendRefs", readBackendRef, { min: 1, max: 16 }),
  };
  const matches = r.optionalArray("matches", readMatch, { max: 16 });
  if (matches) rule.matches = matches;
  const timeouts = r.optionalObject("timeouts");
  if (timeouts) {
    const request = timeouts.optionalString("request", {
      hint: 'a Gateway API duration such as "10s", "500ms" or "1m30s"',
    });
    if (request !== undefined && parseDurationMs(request) === undefined) {
      throw new ValidationError("invalid_field", timeouts.field("request"), `${timeouts.field("request")} "${request}" is not a duration`,
        'a Gateway API duration such as "10s", "500ms" or "1m30s"');
    }
    timeouts.done();
    rule.timeouts = request === undefined ? {} : { request };
  }
  r.done();
  return rule;
}

function readBackendRef(value: unknown, path: string): BackendRef {
  const r = FieldReader.object(value, path);
  r.raw("group");
  r.optionalOneOf("kind", ["Service"] as const);
  const ref: BackendRef = { name: r.string("name", { pattern: NAME_PATTERN, hint: NAME_HINT }) };
  const port = r.optionalInt("port", PORT);
  if (port !== undefined) ref.port = port;
  if (r.has("weight")) {
    ref.weight = checkInt(parseWeight(r.raw("weight")), r.field("weight"), {
      min: 0,
      max: MAX_WEIGHT,
      hint: `a whole number from 0 to ${MAX_WEIGHT}; weights are relative to the other backendRefs of the rule`,
    });
  } else {
    r.raw("weight");
  }
  r.done();
  return ref;
}

/** YAML users write `weight: "80"` as often as `weight: 80`; both are fine. */
function parseWeight(v: unknown): unknown {
  return typeof v === "string" && /^[0-9]{1,7}$/.test(v) ? Number(v) : v;
}

function readMatch(value: unknown, path: string): RouteMatch {
  const r = FieldReader.object(value, path);
  const match: RouteMatch = {};
  const p = r.optionalObject("path");
  if (p) {
    const type = p.has("type") ? p.oneOf("type", ["PathPrefix", "Exact"] as const) : (p.raw("type"), "PathPrefix" as const);
    const v = p.string("value", { max: 1024, pattern: /^\//, hint: 'paths start with "/"' });
    p.done();
    match.path = { type, value: v };
  }
  const headers = r.optionalArray("headers", readHeaderMatch, { max: 16 });
  if (headers) match.headers = headers;
  r.done();
  return match;
}

function readHeaderMatch(value: unknown, path: string): HeaderMatch {
  const r = FieldReader.object(value, path);
  const type = r.has("type") ? r.oneOf("type", ["Exact", "RegularExpression"] as const) : (r.raw("type"), "Exact" as const);
  const name = r.string("name", { max: 256, pattern: /^[A-Za-z0-9!#$%&'*+\-.^_`|~:]+$/, hint: "an HTTP header name" });
  const v = checkString(r.raw("value"), r.field("value"), { max: 4096 });
  if (type === "RegularExpression") {
    try {
      new RegExp(v);
    } catch {
      throw new ValidationError("invalid_field", r.field("value"), `${r.field("value")} is not a valid regular expression`);
    }
    // Envoy and gRPC match with RE2, which has no lookaround and no
    // backreferences; such a pattern would be refused (or worse, crash a
    // proxyless client) on every proxy.
    if (/\(\?<?[=!]|\\[1-9]|\\k</.test(v)) {
      throw new ValidationError("invalid_field", r.field("value"), `${r.field("value")} uses lookaround or a backreference, which RE2 does not support`,
        "proxies match headers with RE2 (https://github.com/google/re2/wiki/Syntax); rewrite without (?=, (?!, (?<=, (?<! or \\1");
    }
  }
  r.done();
  return { type, name: name.toLowerCase(), value: v };
}
