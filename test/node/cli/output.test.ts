/** What the CLI prints for people and programs: tables, JSON/YAML, ages, diffs, proxies. */
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { formatChanges } from "../../../src/cli/commands/history.js";
import { formatProxies } from "../../../src/cli/commands/inventory.js";
import { age, renderData } from "../../../src/cli/output.js";
import { resourceTable } from "../../../src/cli/resource-table.js";
import { renderTable } from "../../../src/cli/table.js";

describe("output", () => {
  it("pads table columns to the widest cell, without trailing blanks", () => {
    expect(renderTable(["NAME", "REVISION", "AGE"], [["echo", "12", ""], ["echo-v1", "3", "5m"]])).toBe(
      "NAME      REVISION   AGE\necho      12\necho-v1   3          5m\n",
    );
  });

  it("renders data as JSON or YAML that parse back to the same value", () => {
    const value = { kind: "ServiceList", items: [{ metadata: { name: "echo", labels: { "app.kubernetes.io/name": "x" } }, spec: { ports: [{ port: 1 }] } }] };
    expect(JSON.parse(renderData(value, "json"))).toEqual(value);
    expect(renderData(value, "json").endsWith("}\n")).toBe(true);
    expect(parseYaml(renderData(value, "yaml"))).toEqual(value);
  });

  it("says how old a write is, kubectl style", () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    expect(age("2025-06-01T11:59:30Z", now)).toBe("30s");
    expect(age("2025-06-01T11:30:00Z", now)).toBe("30m");
    expect(age("2025-06-01T00:00:00Z", now)).toBe("12h");
    expect(age("2025-05-20T12:00:00Z", now)).toBe("12d");
    expect(age(undefined, now)).toBe("");
  });

  it("shows what each kind does in its table", () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    const meta = (name: string) => ({ name, mesh: "default", revision: 7, updatedAt: "2025-06-01T11:58:00Z" });
    expect(
      resourceTable(
        "HTTPRoute",
        [{ kind: "HTTPRoute", metadata: meta("split"), spec: { parentRefs: [{ name: "echo", port: 50051 }], rules: [{ backendRefs: [{ name: "v1", weight: 80 }, { name: "v2", weight: 20 }] }] } }],
        now,
      ),
    ).toBe("NAME    PARENTS      BACKENDS      REVISION   AGE\nsplit   echo:50051   v1=80,v2=20   7          2m\n");
    const table = resourceTable("Workload", [{ kind: "Workload", metadata: meta("w1"), spec: { service: "echo", address: "10.0.0.1", port: 80, zone: "west" } }], now);
    expect(table).toContain("SERVICE   ADDRESS       ZONE   HEALTH    SOURCE");
    expect(table).toContain("w1     echo      10.0.0.1:80   west   healthy   api");
    expect(resourceTable("Service", [], now)).toBe("No Service resources found.\n");
  });

  it("prints diffs as +, - and ~ lines", () => {
    expect(
      formatChanges([
        { path: "spec.rules[0].backendRefs[0].weight", op: "replace", from: 80, to: 0 },
        { path: "metadata.labels.team", op: "add", to: "a" },
        { path: "spec.rules[1]", op: "remove", from: { backendRefs: [] } },
      ]),
    ).toBe('~ spec.rules[0].backendRefs[0].weight: 80 -> 0\n+ metadata.labels.team: "a"\n- spec.rules[1]: {"backendRefs":[]}\n');
    expect(formatChanges([])).toBe("no changes\n");
    expect(formatChanges([{ path: "", op: "remove", from: {} }])).toBe("- (the resource was deleted)\n");
  });

  it("lists proxies with one column per xDS type and their NACK errors", () => {
    const text = formatProxies({
      items: [
        {
          proxyId: "c1",
          zone: "default",
          bridgeId: "b1",
          connected: true,
          connectedAtMs: 1,
          disconnectedAtMs: 0,
          kind: "proxyless",
          types: {
            Cluster: { state: "SYNCED", revision: 9 },
            Listener: { state: "SYNCED", revision: 9 },
            RouteConfiguration: { state: "NACKED", revision: 10, errorDetail: "bad route" },
          },
        },
      ],
    });
    expect(text.split("\n")[0]).toBe("PROXY   ZONE      BRIDGE   CONNECTED   LISTENER   ROUTECONFIGURATION   CLUSTER");
    expect(text).toContain("c1      default   b1       yes         SYNCED@9   NACKED@10            SYNCED@9");
    expect(text).toContain("c1 RouteConfiguration NACKED at revision 10: bad route");
  });

  it("shows each proxy's identity and certificate expiry in a mesh with mTLS", () => {
    const row = { zone: "z", bridgeId: "b1", connected: true, connectedAtMs: 1, disconnectedAtMs: 0, kind: "proxyless" as const, types: { Listener: { state: "SYNCED" as const, revision: 3 } } };
    const text = formatProxies({
      items: [
        { ...row, proxyId: "echo-1", identity: "spiffe://secure/echo", certificateNotAfter: "2026-12-04T10:00:00.000Z" },
        { ...row, proxyId: "web-1", identity: "spiffe://secure/web" },
      ],
    });
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^PROXY\s+ZONE\s+BRIDGE\s+CONNECTED\s+IDENTITY\s+CERT EXPIRES\s+LISTENER$/);
    expect(lines[1]).toMatch(/^echo-1\s.*spiffe:\/\/secure\/echo\s+2026-12-04T10:00:00.000Z\s+SYNCED@3$/);
    expect(lines[2]).toMatch(/^web-1\s.*spiffe:\/\/secure\/web\s+\(none yet\)\s+SYNCED@3$/);
  });
});
