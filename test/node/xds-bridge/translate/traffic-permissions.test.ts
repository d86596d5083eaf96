import { describe, expect, it } from "vitest";
import type { ResourceOf } from "../../../../src/contract/resource-types.js";
import { callerDecision } from "../../../../src/xds-bridge/translate/traffic-permissions.js";

type Rule = ResourceOf<"TrafficPermission">["spec"]["rules"][number];
const permission = (name: string, rules: Rule[]): ResourceOf<"TrafficPermission"> => ({
  kind: "TrafficPermission",
  metadata: { name, mesh: "default" },
  spec: { targetRef: { kind: "Service", name: "echo" }, rules },
});
const svc = (name: string) => ({ kind: "Service" as const, name });
const MESH = { kind: "Mesh" as const };

describe("callerDecision", () => {
  it("is undefined with no permission: every identity of the mesh gets in", () => {
    expect(callerDecision([])).toBeUndefined();
  });

  it("lets the more specific rule decide: a named Service beats a Mesh rule", () => {
    const d = callerDecision([permission("p", [{ from: [svc("web")], action: "Allow" }, { from: [MESH], action: "Deny" }])])!;
    expect(d.services.get("web")).toBe(true);
    expect(d.mesh).toBe(false);
  });

  it("lets a Deny win over an Allow at the same level, across permissions", () => {
    const d = callerDecision([
      permission("a", [{ from: [svc("web"), MESH], action: "Allow" }]),
      permission("b", [{ from: [svc("web"), MESH], action: "Deny" }]),
    ])!;
    expect(d.services.get("web")).toBe(false);
    expect(d.mesh).toBe(false);
    const reversed = callerDecision([permission("b", [{ from: [svc("web")], action: "Deny" }]), permission("a", [{ from: [svc("web")], action: "Allow" }])])!;
    expect(reversed.services.get("web")).toBe(false);
  });

  it("leaves callers no rule names denied once a permission exists", () => {
    const d = callerDecision([permission("p", [{ from: [svc("web")], action: "Allow" }])])!;
    expect(d.mesh).toBeUndefined();
    expect(d.services.has("billing")).toBe(false);
  });
});
