import { equals, fromBinary, toBinary, toJson, type DescMessage, type MessageShape, type Registry } from "@bufbuild/protobuf";
import { expect } from "vitest";
import { ClusterSchema } from "../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import { ClusterLoadAssignmentSchema } from "../../../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { ListenerSchema } from "../../../gen/envoy/config/listener/v3/listener_pb.js";
import { SecretSchema } from "../../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js";
import { RouteConfigurationSchema } from "../../../gen/envoy/config/route/v3/route_pb.js";
import type { XdsResources } from "../../../src/xds-bridge/xds-resources.js";

/**
 * A translation as its golden xds.json holds it: each list as proto3 JSON
 * (`toJson`, so default values are left out). Any fields (api_listener,
 * typed_config) render only for types `registry` knows.
 *
 * @example expectGolden(dir, caseName, "xds.json", renderXdsJson(translateMesh(model, mesh), registry));
 */
export function renderXdsJson(res: XdsResources, registry: Registry): string {
  const json = <Desc extends DescMessage>(schema: Desc, list: MessageShape<Desc>[]): unknown[] => list.map((m) => toJson(schema, m, { registry }));
  const doc = {
    listeners: json(ListenerSchema, res.listeners),
    routes: json(RouteConfigurationSchema, res.routes),
    clusters: json(ClusterSchema, res.clusters),
    endpoints: json(ClusterLoadAssignmentSchema, res.endpoints),
    // Only sidecars in a mesh with mTLS have secrets; other goldens stay as they were.
    ...(res.secrets?.length ? { secrets: json(SecretSchema, res.secrets) } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Expects every message of `res` to come back equal from its binary encoding.
 *
 * @example expectBinaryRoundTrip(translateSidecar(model, "default", "echo-1"));
 */
export function expectBinaryRoundTrip(res: XdsResources): void {
  const roundTrip = <Desc extends DescMessage>(schema: Desc, list: MessageShape<Desc>[]): void => {
    for (const m of list) expect(equals(schema, fromBinary(schema, toBinary(schema, m)), m)).toBe(true);
  };
  roundTrip(ListenerSchema, res.listeners);
  roundTrip(RouteConfigurationSchema, res.routes);
  roundTrip(ClusterSchema, res.clusters);
  roundTrip(ClusterLoadAssignmentSchema, res.endpoints);
  roundTrip(SecretSchema, res.secrets ?? []);
}
