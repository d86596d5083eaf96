/**
 * Every proxyless golden case (test/golden) as @grpc/grpc-js-xds 1.14 itself
 * reads it: each resource goes through the client's own decoder and
 * validation (the code that NACKs), and through the protoc-gen-validate
 * rules Envoy checks. A resource either would refuse fails here, with no
 * server, before any proxy sees it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import YAML from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { validateResource } from "../../../../src/contract/resource-schema.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Cluster_LbPolicy, ClusterSchema } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema } from "../../../../gen/envoy/config/listener/v3/listener_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { translateMesh } from "../../../../src/xds-bridge/translate/index.js";
import { RESOURCE_KINDS } from "../../../../src/xds-bridge/xds/resource-kinds.js";
import { validateMessage } from "../../support/pgv/index.js";
import { XDS_REGISTRY } from "../../support/xds-registry.js";

interface Decoder {
  decode(context: unknown, resource: { type_url: string; value: Buffer }): { name: string; error?: string };
}

const require = createRequire(import.meta.url);
const decoders = (): Record<string, Decoder> => {
  const load = (file: string, cls: string) => (require(`@grpc/grpc-js-xds/build/src/xds-resource-type/${file}`) as Record<string, { get(): Decoder }>)[cls]!.get();
  return {
    "type.googleapis.com/envoy.config.listener.v3.Listener": load("listener-resource-type.js", "ListenerResourceType"),
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration": load("route-config-resource-type.js", "RouteConfigurationResourceType"),
    "type.googleapis.com/envoy.config.cluster.v3.Cluster": load("cluster-resource-type.js", "ClusterResourceType"),
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment": load("endpoint-resource-type.js", "EndpointResourceType"),
  };
};

const GOLDEN_DIR = new URL("../../../golden/", import.meta.url);
const cases = readdirSync(GOLDEN_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
// The bootstrap `edgeplane-bridge bootstrap` prints names one certificate provider, "default" (TLS contexts name it).
const context = {
  server: { serverUri: "127.0.0.1:1", channelCreds: [], serverFeatures: [] },
  bootstrap: { certificateProviders: { default: { plugin_name: "file_watcher", config: {} } } },
};

function translated(caseName: string) {
  const text = readFileSync(new URL(`${caseName}/input.yaml`, GOLDEN_DIR), "utf8");
  const mesh = /^#\s*mesh:\s*([a-z0-9-]+)/.exec(text)?.[1] ?? "default";
  const docs = YAML.parseAllDocuments(text).map((d) => d.toJS() as unknown).filter((d) => d != null);
  return translateMesh(ZoneModel.of(docs.map((d) => validateResource(d, "default"))), mesh, { localZone: "default" });
}

let byType: Record<string, Decoder>;
beforeAll(async () => {
  // Registers the client's HTTP filters (router, fault) and LB policies, as a real client does.
  (await import("@grpc/grpc-js-xds")).register();
  byType = decoders();
});

describe("proxyless golden output, as @grpc/grpc-js-xds reads it", () => {
  it("is a check that fails: the client's decoder refuses a LEAST_REQUEST lb_policy on its own", () => {
    const cluster = translated("backend-policies").clusters[0]!;
    const legacy = { ...cluster, lbPolicy: Cluster_LbPolicy.LEAST_REQUEST };
    delete legacy.loadBalancingPolicy;
    const any = anyPack(ClusterSchema, legacy);
    const result = byType[any.typeUrl]!.decode(context, { type_url: any.typeUrl, value: Buffer.from(any.value) });
    expect(result.error).toMatch(/LEAST_REQUEST/);
  });

  it("has the policy cases", () => {
    expect(cases).toEqual(expect.arrayContaining(["http-filters", "retry-fault", "grpc-route", "backend-policies"]));
  });

  describe.each(cases)("%s", (caseName) => {
    it("every resource passes the client's own validation", () => {
      const res = translated(caseName);
      const errors: string[] = [];
      for (const kind of RESOURCE_KINDS) {
        for (const message of kind.messages(res)) {
          const { name, any } = kind.encode(message);
          const result = byType[kind.typeUrl]!.decode(context, { type_url: any.typeUrl, value: Buffer.from(any.value) });
          if (result.error) errors.push(`${name}: ${result.error}`);
        }
      }
      expect(errors).toEqual([]);
    });

    it("passes the protoc-gen-validate rules Envoy checks", () => {
      const res = translated(caseName);
      const findings = [
        ...res.listeners.flatMap((m) => validateMessage(ListenerSchema, m, XDS_REGISTRY).map((f) => `${m.name}: ${f}`)),
        ...res.routes.flatMap((m) => validateMessage(RouteConfigurationSchema, m, XDS_REGISTRY).map((f) => `${m.name}: ${f}`)),
        ...res.clusters.flatMap((m) => validateMessage(ClusterSchema, m, XDS_REGISTRY).map((f) => `${m.name}: ${f}`)),
        ...res.endpoints.flatMap((m) => validateMessage(ClusterLoadAssignmentSchema, m, XDS_REGISTRY).map((f) => `${m.clusterName}: ${f}`)),
      ];
      expect(findings).toEqual([]);
    });
  });
});
