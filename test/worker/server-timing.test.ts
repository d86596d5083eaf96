/** The Server-Timing header every answer carries (src/api/server-timing.ts): which phases a request went through. */
import { describe, expect, it } from "vitest";
import { call, service } from "./api-helpers.js";

/** The header's phases and their durations. */
function phases(headers: Headers): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (headers.get("server-timing") ?? "").split(",")) {
    const m = /^\s*([\w-]+);dur=([\d.]+)$/.exec(part);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe("Server-Timing", () => {
  it("a PUT names its phases, each within the app's total", async () => {
    const put = await call("PUT", "/v1/meshes/default/services/st-a", service("st-a"));
    expect(put.status).toBe(201);
    const p = phases(put.headers);
    expect([...p.keys()].sort()).toEqual(["answer", "auth", "body", "parse", "total", "validate", "write"]);
    for (const [name, ms] of p) expect({ name, within: ms <= p.get("total")! }).toEqual({ name, within: true });
  });

  it("an error answer and a public route carry the app's total too", async () => {
    const bad = await call("PUT", "/v1/meshes/default/services/st-b", { kind: "Service", metadata: { name: "st-b" }, spec: { ports: "none" } });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(phases(bad.headers).has("total")).toBe(true);
    const health = await call("GET", "/healthz", undefined, { authorization: "" });
    expect(health.status).toBe(200);
    expect([...phases(health.headers).keys()]).toEqual(["total"]);
  });
});
