/**
 * Hardening 3: endpoints are identified by zone and workload, not by address
 * alone. The README's two-zone walk-through declares east and west
 * workloads on the same 127.0.0.1 ports as the default zone's; the default
 * zone's proxies must keep their own endpoints.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { validateResource } from "../../../src/contract/resource-schema.js";
import { ZoneModel } from "../../../src/contract/zone-model.js";
import { EndpointSetSchema } from "../../../src/contract/zone-protocol/zone_pb.js";
import { EndpointMirror } from "../../../src/xds-bridge/endpoint-mirror.js";
import { translateMesh } from "../../../src/xds-bridge/translate/index.js";

const service = (name: string) => ({ kind: "Service", metadata: { name, mesh: "default" }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } });
const workload = (name: string, svc: string, port: number, zone: string) => ({
  kind: "Workload",
  metadata: { name, mesh: "default" },
  spec: { service: svc, address: "127.0.0.1", port, zone },
});

/** Zone -> endpoint sockets of echo-v1's assignment, as a proxy of `localZone` gets it, and the zones by priority. */
function echoV1(model: ZoneModel, localZone: string) {
  const cla = translateMesh(model, "default", { localZone }).endpoints.find((e) => e.clusterName === "outbound|50051||echo-v1.default")!;
  return cla.endpoints.map((g) => ({
    zone: g.locality?.zone,
    priority: g.priority,
    sockets: g.lbEndpoints.map((e) => {
      const a = e.hostIdentifier.case === "endpoint" ? e.hostIdentifier.value.address?.address : undefined;
      return a?.case === "socketAddress" ? `${a.value.address}:${a.value.portSpecifier.value}` : "";
    }),
  }));
}

describe("endpoint identity across zones", () => {
  it("keeps the local zone's endpoint when another zone declares the same address and port", () => {
    const model = ZoneModel.of(
      [service("echo-v1"), service("echo-v2"), workload("echo-v1-a", "echo-v1", 50061, "default"), workload("echo-east", "echo-v1", 50061, "east"), workload("echo-west", "echo-v1", 50062, "west")].map((d) =>
        validateResource(d),
      ),
    );
    expect(echoV1(model, "default")[0]).toEqual({ zone: "default", priority: 0, sockets: ["127.0.0.1:50061"] });
    // East's proxies see the same socket as their own.
    expect(echoV1(model, "east")[0]).toEqual({ zone: "east", priority: 0, sockets: ["127.0.0.1:50061"] });
  });

  it("serves two zones' workloads of the same name, and the API's declared one wins only in its own zone", () => {
    const mirror = new EndpointMirror();
    const encoder = new TextEncoder();
    const doc = (d: ReturnType<typeof workload>) => ({ kind: "Workload", mesh: "default", name: d.metadata.name, document: encoder.encode(JSON.stringify(d)) });
    mirror.apply(
      create(EndpointSetSchema, {
        version: 3n,
        workloads: [doc(workload("echo-1", "echo-v1", 7001, "east")), doc({ ...workload("echo-1", "echo-v1", 7002, "west"), spec: { ...workload("echo-1", "echo-v1", 7002, "west").spec, address: "10.0.0.2" } })],
      }),
    );
    const declared = ZoneModel.of([service("echo-v1"), service("echo-v2"), workload("echo-1", "echo-v1", 7003, "east")].map((d) => validateResource(d)));
    const groups = echoV1(mirror.mergedWith(declared), "default");
    expect(groups.map((g) => [g.zone, g.sockets])).toEqual([
      ["east", ["127.0.0.1:7003"]],
      ["west", ["10.0.0.2:7002"]],
    ]);
  });
});
