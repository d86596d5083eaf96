import type { HTTPRouteSpec, ResourceOf, ServicePort, WorkloadSpec } from "../../../src/contract/resource-types.js";

// Typed resource documents for translation unit tests, already in the shape
// validateResource returns (metadata.mesh set), so they go straight into a ZoneModel.

/** @example service("echo", [{ port: 8080 }]) */
export function service(name: string, ports: ServicePort[], mesh = "default"): ResourceOf<"Service"> {
  return { kind: "Service", metadata: { name, mesh }, spec: { ports } };
}

/** @example workload("echo-1", { service: "echo", address: "10.0.0.1", port: 8080, zone: "a" }) */
export function workload(name: string, spec: WorkloadSpec, mesh = "default"): ResourceOf<"Workload"> {
  return { kind: "Workload", metadata: { name, mesh }, spec };
}

/** @example httpRoute("split", { parentRefs: [{ name: "echo" }], rules: [...] }) */
export function httpRoute(name: string, spec: HTTPRouteSpec, mesh = "default"): ResourceOf<"HTTPRoute"> {
  return { kind: "HTTPRoute", metadata: { name, mesh }, spec };
}
