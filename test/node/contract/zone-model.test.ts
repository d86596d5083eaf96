import { describe, expect, it } from "vitest";
import { validateResource } from "../../../src/contract/resource-schema.js";
import type { Resource } from "../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../src/contract/zone-model.js";

const svc = (name: string, mesh = "default", port = 8080): Resource => validateResource({ kind: "Service", metadata: { name, mesh }, spec: { ports: [{ port }] } });
const names = (rs: Resource[]) => rs.map((r) => r.metadata.name);

describe("ZoneModel.list", () => {
  it("lists one kind of one mesh by name, and follows every way the map changes", () => {
    const m = ZoneModel.of([svc("b"), svc("a"), svc("c", "other")]);
    expect(names(m.list("Service", "default"))).toEqual(["a", "b"]);
    m.put(svc("0"), 2);
    expect(names(m.list("Service", "default"))).toEqual(["0", "a", "b"]);
    m.remove({ kind: "Service", mesh: "default", name: "a" });
    expect(names(m.list("Service", "default"))).toEqual(["0", "b"]);
    // The mirrors and the disk cache write the map directly.
    m.byKey.set("Service/default/z", { resource: svc("z"), revision: 3 });
    expect(names(m.list("Service", "default"))).toEqual(["0", "b", "z"]);
    m.byKey.delete("Service/default/0");
    expect(names(m.list("Service", "default"))).toEqual(["b", "z"]);
    expect(names(m.list("Service", "other"))).toEqual(["c"]);
    m.byKey.clear();
    expect(m.list("Service", "default")).toEqual([]);
  });

  it("gives the new version of a resource put again, and each caller its own array", () => {
    const m = ZoneModel.of([svc("a", "default", 1)]);
    const first = m.list("Service", "default");
    m.put(svc("a", "default", 2), 5);
    const again = m.list("Service", "default");
    expect(again[0]!.kind === "Service" && again[0]!.spec.ports[0]!.port).toBe(2);
    again.pop();
    expect(m.list("Service", "default")).toHaveLength(1);
    expect(first).toHaveLength(1);
  });
});
