import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { HttpProtocolOptionsSchema } from "../../../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js";
import { createRegistry, equals, fromBinary, toBinary, toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { validateResource } from "../../../../src/contract/resource-schema.js";
import type { Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema } from "../../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { RouterSchema } from "../../../../gen/envoy/extensions/filters/http/router/v3/router_pb.js";
import { HttpConnectionManagerSchema } from "../../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { OriginalDstSchema, checkConsistency, translateSidecar } from "../../../../src/xds-bridge/translate/index.js";
import type { XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { validateMessage } from "../../support/pgv/index.js";

/*
 * Golden tests for Envoy sidecars: test/golden-sidecar/<case>/input.yaml ->
 * xds.json. The YAML opens with `# workload: NAME` (whose sidecar is
 * translated) and optionally `# mesh: NAME` (default "default"); documents
 * without metadata.mesh are in "default". Regenerate with UPDATE_GOLDEN=1,
 * then read the diff.
 */
const GOLDEN_DIR = new URL("../../../golden-sidecar/", import.meta.url);
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const HEADER = /^#\s*(workload|mesh):\s*([a-z0-9-]+)\s*$/;
// Any fields render (and are validated) only for types the registry knows.
const registry = createRegistry(HttpConnectionManagerSchema, RouterSchema, OriginalDstSchema, HttpProtocolOptionsSchema);

const cases = readdirSync(GOLDEN_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface SidecarInput {
  mesh: string;
  workload: string;
  resources: Resource[];
}

function readInput(caseName: string): SidecarInput {
  const text = readFileSync(new URL(`${caseName}/input.yaml`, GOLDEN_DIR), "utf8");
  const header = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("#")) break;
    const m = HEADER.exec(line);
    if (m?.[1] && m[2]) header.set(m[1], m[2]);
  }
  const workload = header.get("workload");
  if (workload === undefined) throw new Error(`${caseName}/input.yaml: first line must be "# workload: NAME"`);
  const resources: Resource[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${caseName}/input.yaml: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) resources.push(validateResource(value, "default"));
  }
  return { mesh: header.get("mesh") ?? "default", workload, resources };
}

function translate(input: SidecarInput, resources = input.resources): XdsResources {
  return translateSidecar(ZoneModel.of(resources), input.mesh, input.workload);
}

function messagesJson<Desc extends DescMessage>(schema: Desc, list: MessageShape<Desc>[]): unknown[] {
  return list.map((m) => toJson(schema, m, { registry }));
}

function renderGolden(res: XdsResources): string {
  const doc = {
    listeners: messagesJson(ListenerSchema, res.listeners),
    routes: messagesJson(RouteConfigurationSchema, res.routes),
    clusters: messagesJson(ClusterSchema, res.clusters),
    endpoints: messagesJson(ClusterLoadAssignmentSchema, res.endpoints),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function expectRoundTrip<Desc extends DescMessage>(schema: Desc, list: MessageShape<Desc>[]): void {
  for (const m of list) expect(equals(schema, fromBinary(schema, toBinary(schema, m)), m)).toBe(true);
}

function findings<Desc extends DescMessage>(schema: Desc, list: MessageShape<Desc>[], nameOf: (m: MessageShape<Desc>) => string): string[] {
  return list.flatMap((m) => validateMessage(schema, m, registry).map((f) => `${nameOf(m)}: ${f}`));
}

describe("translateSidecar golden files", () => {
  it("has golden cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(cases)("%s", (caseName) => {
    const goldenUrl = new URL(`${caseName}/xds.json`, GOLDEN_DIR);

    it("matches xds.json", () => {
      const actual = renderGolden(translate(readInput(caseName)));
      if (UPDATE) writeFileSync(goldenUrl, actual);
      expect(existsSync(goldenUrl), `${caseName}/xds.json missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(actual).toBe(readFileSync(goldenUrl, "utf8"));
    });

    it("is consistent", () => {
      expect(checkConsistency(translate(readInput(caseName)))).toEqual([]);
    });

    it("passes the protoc-gen-validate rules Envoy checks", () => {
      const res = translate(readInput(caseName));
      expect([
        ...findings(ListenerSchema, res.listeners, (m) => m.name),
        ...findings(RouteConfigurationSchema, res.routes, (m) => m.name),
        ...findings(ClusterSchema, res.clusters, (m) => m.name),
        ...findings(ClusterLoadAssignmentSchema, res.endpoints, (m) => m.clusterName),
      ]).toEqual([]);
    });

    it("does not depend on input order", () => {
      const input = readInput(caseName);
      expect(renderGolden(translate(input, [...input.resources].reverse()))).toBe(renderGolden(translate(input)));
    });

    it("round-trips every message through the binary encoding", () => {
      const res = translate(readInput(caseName));
      expectRoundTrip(ListenerSchema, res.listeners);
      expectRoundTrip(RouteConfigurationSchema, res.routes);
      expectRoundTrip(ClusterSchema, res.clusters);
      expectRoundTrip(ClusterLoadAssignmentSchema, res.endpoints);
    });
  });
});
