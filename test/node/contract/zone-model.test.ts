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

  it("keeps remembered lists equal to a fresh sort of the map through random writes, also in a clone", () => {
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    // Keys with an "@zone" suffix share names (the endpoint layer's keys): ties keep the map's order.
    const keyOf = (mesh: string, name: string, zone: number) => `Service/${mesh}/${name}${zone === 0 ? "" : `@z${zone}`}`;
    const fresh = (m: ZoneModel, mesh: string) =>
      [...m.byKey.values()].map((v) => v.resource).filter((r) => r.kind === "Service" && r.metadata.mesh === mesh).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    let m = new ZoneModel();
    for (let step = 0; step < 400; step++) {
      const name = `s${next(12)}`;
      const mesh = next(4) === 0 ? "other" : "default";
      const key = keyOf(mesh, name, next(3));
      const op = next(5);
      if (op === 0) m.byKey.delete(key);
      else if (op === 1) m = m.clone();
      else m.byKey.set(key, { resource: svc(name, mesh, 1 + next(3)), revision: step });
      // Reading remembers the list; later writes patch it.
      if (next(2) === 0) for (const mesh of ["default", "other"]) expect(m.list("Service", mesh), `step ${step}`).toEqual(fresh(m, mesh));
    }
    for (const mesh of ["default", "other"]) expect(m.list("Service", mesh)).toEqual(fresh(m, mesh));
  });

  it("leaves the original alone when a clone changes", () => {
    const m = ZoneModel.of([svc("a"), svc("b")]);
    expect(names(m.list("Service", "default"))).toEqual(["a", "b"]);
    const c = m.clone();
    c.put(svc("c"), 3);
    c.remove({ kind: "Service", mesh: "default", name: "a" });
    expect(names(c.list("Service", "default"))).toEqual(["b", "c"]);
    expect(names(m.list("Service", "default"))).toEqual(["a", "b"]);
    expect(c.revision).toBe(m.revision);
  });
});
