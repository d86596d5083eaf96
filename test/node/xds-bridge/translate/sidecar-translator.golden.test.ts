import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema } from "../../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { SecretSchema } from "../../../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { checkConsistency, translateSidecar } from "../../../../src/xds-bridge/translate/index.js";
import type { XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { expectGolden, goldenCases, goldenDir, readGoldenInput } from "../../support/golden.js";
import { validateMessage } from "../../support/pgv/index.js";
import { expectBinaryRoundTrip, renderXdsJson } from "../../support/xds-json.js";
import { XDS_REGISTRY } from "../../support/xds-registry.js";

/*
 * Golden tests for Envoy sidecars: test/golden-sidecar/<case>/input.yaml ->
 * xds.json. The YAML opens with `# workload: NAME` (whose sidecar is
 * translated) and optionally `# mesh: NAME` (default "default"); documents
 * without metadata.mesh are in "default". Regenerate with UPDATE_GOLDEN=1,
 * then read the diff.
 */
const GOLDEN_DIR = goldenDir("golden-sidecar");
// Any fields render (and are validated) only for types the registry knows.
const registry = XDS_REGISTRY;

const cases = goldenCases(GOLDEN_DIR);

interface SidecarInput {
  mesh: string;
  workload: string;
  resources: Resource[];
}

function readInput(caseName: string): SidecarInput {
  const { header, resources } = readGoldenInput(GOLDEN_DIR, caseName, ["workload", "mesh"]);
  const workload = header.get("workload");
  if (workload === undefined) throw new Error(`${caseName}/input.yaml: first line must be "# workload: NAME"`);
  return { mesh: header.get("mesh") ?? "default", workload, resources };
}

/** The identity the bridge would hold for the workload; only a mesh with mTLS turns it into Secrets. */
const IDENTITY = {
  certificatePem: "-----BEGIN CERTIFICATE-----\n(the workload's test certificate)\n-----END CERTIFICATE-----\n",
  privateKeyPem: "-----BEGIN PRIVATE KEY-----\n(its test key)\n-----END PRIVATE KEY-----\n",
  trustBundlePem: "-----BEGIN CERTIFICATE-----\n(the mesh's test root)\n-----END CERTIFICATE-----\n",
};

function translate(input: SidecarInput, resources = input.resources): XdsResources {
  return translateSidecar(ZoneModel.of(resources), input.mesh, input.workload, { identity: IDENTITY });
}

function findings<Desc extends DescMessage>(schema: Desc, list: MessageShape<Desc>[], nameOf: (m: MessageShape<Desc>) => string): string[] {
  return list.flatMap((m) => validateMessage(schema, m, registry).map((f) => `${nameOf(m)}: ${f}`));
}

describe("translateSidecar golden files", () => {
  it("has golden cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  describe.each(cases)("%s", (caseName) => {
    it("matches xds.json", () => {
      const actual = renderXdsJson(translate(readInput(caseName)), registry);
      expectGolden(GOLDEN_DIR, caseName, "xds.json", actual);
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
        ...findings(SecretSchema, res.secrets ?? [], (m) => m.name),
      ]).toEqual([]);
    });

    it("does not depend on input order", () => {
      const input = readInput(caseName);
      expect(renderXdsJson(translate(input, [...input.resources].reverse()), registry)).toBe(renderXdsJson(translate(input), registry));
    });

    it("round-trips every message through the binary encoding", () => {
      expectBinaryRoundTrip(translate(readInput(caseName)));
    });
  });
});
