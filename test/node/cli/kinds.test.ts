/** Kind words and API paths (`kinds.ts`). */
import { describe, expect, it } from "vitest";
import { resolveKind, resourcePath } from "../../../src/cli/kinds.js";

describe("kinds", () => {
  it.each([
    ["services", "Service"],
    ["service", "Service"],
    ["svc", "Service"],
    ["SVC", "Service"],
    ["Workloads", "Workload"],
    ["workload", "Workload"],
    ["httproutes", "HTTPRoute"],
    ["HTTPRoute", "HTTPRoute"],
    ["backendpolicies", "BackendPolicy"],
    ["backendpolicy", "BackendPolicy"],
    ["meshes", "Mesh"],
    ["mesh", "Mesh"],
    ["zones", "Zone"],
    ["Zone", "Zone"],
  ])("%s names %s", (word, kind) => {
    expect(resolveKind(word)).toBe(kind);
  });

  it("knows no other words", () => {
    expect(resolveKind("pods")).toBeUndefined();
    expect(resolveKind("")).toBeUndefined();
  });

  it("builds the API path of each kind, encoded", () => {
    expect(resourcePath("HTTPRoute", "default", "echo-split")).toBe("/v1/meshes/default/httproutes/echo-split");
    expect(resourcePath("Service", "prod")).toBe("/v1/meshes/prod/services");
    expect(resourcePath("Mesh", "", "prod")).toBe("/v1/meshes/prod");
    expect(resourcePath("Zone", "")).toBe("/v1/zones");
    expect(resourcePath("Service", "a b", "c/d")).toBe("/v1/meshes/a%20b/services/c%2Fd");
  });
});
