import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
import { checkConsistency, translateMesh } from "../../../../src/xds-bridge/translate/index.js";
import type { XdsResources } from "../../../../src/xds-bridge/xds-resources.js";

/*
 * Kuma-style golden tests: test/golden/<case>/input.yaml -> xds.json.
 * Regenerate with UPDATE_GOLDEN=1, then review the diff by eye.
 */
const GOLDEN_DIR = new URL("../../../golden/", import.meta.url);
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const MESH_COMMENT = /^#\s*mesh:\s*([a-z0-9-]+)\s*$/;
// Any fields (api_listener, typed_config) render only for types the registry knows.
const registry = createRegistry(HttpConnectionManagerSchema, RouterSchema);

const cases = readdirSync(GOLDEN_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface GoldenInput {
  mesh: string;
  resources: Resource[];
}

/** Documents without metadata.mesh belong to "default"; the case's mesh comes from `# mesh: NAME`. */
function readInput(caseName: string): GoldenInput {
  const text = readFileSync(new URL(`${caseName}/input.yaml`, GOLDEN_DIR), "utf8");
  const mesh = MESH_COMMENT.exec(text.split("\n", 1)[0] ?? "")?.[1] ?? "default";
  const resources: Resource[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${caseName}/input.yaml: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) resources.push(validateResource(value, "default"));
  }
  return { mesh, resources };
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

describe("translateMesh golden files", () => {
  it("has golden cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(cases)("%s", (caseName) => {
    const goldenUrl = new URL(`${caseName}/xds.json`, GOLDEN_DIR);

    it("matches xds.json", () => {
      const { mesh, resources } = readInput(caseName);
      const actual = renderGolden(translateMesh(ZoneModel.of(resources), mesh));
      if (UPDATE) writeFileSync(goldenUrl, actual);
      expect(existsSync(goldenUrl), `${caseName}/xds.json missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(actual).toBe(readFileSync(goldenUrl, "utf8"));
    });

    it("is consistent", () => {
      const { mesh, resources } = readInput(caseName);
      expect(checkConsistency(translateMesh(ZoneModel.of(resources), mesh))).toEqual([]);
    });

    it("does not depend on input order", () => {
      const { mesh, resources } = readInput(caseName);
      const forward = renderGolden(translateMesh(ZoneModel.of(resources), mesh));
      const reversed = renderGolden(translateMesh(ZoneModel.of([...resources].reverse()), mesh));
      expect(reversed).toBe(forward);
    });

    it("round-trips every message through the binary encoding", () => {
      const { mesh, resources } = readInput(caseName);
      const res = translateMesh(ZoneModel.of(resources), mesh);
      expectRoundTrip(ListenerSchema, res.listeners);
      expectRoundTrip(RouteConfigurationSchema, res.routes);
      expectRoundTrip(ClusterSchema, res.clusters);
      expectRoundTrip(ClusterLoadAssignmentSchema, res.endpoints);
    });
  });
});
