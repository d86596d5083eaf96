/**
 * The physical floor of fan-out, beside our ADS serving core, in one lab
 * process fed by the same simulated proxies.
 *
 * - Floor: a tiny gRPC server with no control-plane logic. It remembers who
 *   subscribed to which name; on a change it encodes the changed resource
 *   once with the generated types (one response, shared bytes) and writes
 *   those bytes to each subscriber's stream.
 * - Ours: the bridge's serving core as it is (SnapshotCache, startAdsServer:
 *   per-stream diff, per-stream response encoding, nonces, ACK handling),
 *   with the same mesh, minus the zone and the status callbacks.
 *
 * For both, the clock starts when the server starts working on the change
 * (floor: before encoding; ours: at setSnapshot, after translate+encode,
 * which is reported on its own) and stops at the last affected proxy's ACK.
 *
 *   spawned by bench/run.ts: floor.ts
 */
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { ZoneModel } from "../src/contract/zone-model.js";
import { ClusterLoadAssignmentSchema } from "../gen/envoy/config/endpoint/v3/endpoint_pb.js";
import { RouteConfigurationSchema } from "../gen/envoy/config/route/v3/route_pb.js";
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  DiscoveryRequestSchema,
  DiscoveryResponseSchema,
  ResourceSchema,
  type DeltaDiscoveryRequest,
  type DiscoveryRequest,
} from "../gen/envoy/service/discovery/v3/discovery_pb.js";
import { translateMesh } from "../src/xds-bridge/translate/index.js";
import { ADS_SERVICE_NAME, SnapshotCache, Snapshot, startAdsServer, type AdsServer } from "../src/xds-bridge/xds/index.js";
import { TYPE_URL } from "../src/xds-bridge/xds-resources.js";
import { nowMs, serveParent } from "./ipc.js";
import { HUB, LAB_ROUTED, MESH, hubPolicy, meshBundles, namesOf, route, serviceName, type Sizes } from "./mesh.js";

/** The two lab changes: the hub's endpoints for every proxy, one service's routes for a few. */
export type LabKind = "mesh-wide" | "route-weight";

export type FloorApi = {
  init: [{ sizes: Sizes; hubBackends: { host: string; port: number }[]; zone: string }, { oursAddress: string; floorAddress: string }];
  floorStreams: [null, number];
  oursChange: [{ kind: LabKind; n: number }, { tStart: number; buildMs: number; queuedMs: number }];
  floorChange: [{ kind: LabKind; n: number; mode: "sotw" | "delta" }, { tStart: number; encodeMs: number; writeMs: number; targets: number; bytes: number }];
};

let zone = "zone-a";
const models: { ours: ZoneModel; floor: ZoneModel } = { ours: new ZoneModel(), floor: new ZoneModel() };
const cache = new SnapshotCache();
let ours: AdsServer | undefined;

/** Applies lab change `n` of `kind` to a model (both sides apply the same sequence). */
function applyChange(model: ZoneModel, kind: LabKind, n: number): void {
  model.revision += 1;
  model.put(kind === "mesh-wide" ? hubPolicy(n % 2 === 0 ? "any" : "preferLocal") : route(LAB_ROUTED, 11 + ((n * 37) % 78)), model.revision);
}

// ---- the floor server -------------------------------------------------------

type RawCall = grpc.ServerDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, Buffer>;
const subscribers = new Map<string, Set<RawCall>>();
let floorStreams = 0;

function subscribe(call: RawCall, typeUrl: string, names: readonly string[]): void {
  for (const name of names) {
    const key = `${typeUrl}|${name}`;
    let set = subscribers.get(key);
    if (!set) subscribers.set(key, (set = new Set()));
    set.add(call);
  }
}

function rawMethod(method: string, decode: (b: Buffer) => DiscoveryRequest | DeltaDiscoveryRequest): grpc.MethodDefinition<DiscoveryRequest | DeltaDiscoveryRequest, Buffer> {
  return {
    path: `/${ADS_SERVICE_NAME}/${method}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: () => Buffer.alloc(0),
    requestDeserialize: decode,
    // The floor writes bytes it encoded once: no per-stream encoding.
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  };
}

function floorHandler(call: RawCall): void {
  const types = new Set<string>();
  call.on("data", (req: DiscoveryRequest | DeltaDiscoveryRequest) => {
    // Only a type's first request subscribes; the rest are ACKs.
    if (types.has(req.typeUrl)) return;
    if (types.size === 0) {
      floorStreams++;
      // Response headers now, as our server's initial response does, so the first push is not charged for them.
      call.sendMetadata(new grpc.Metadata());
    }
    types.add(req.typeUrl);
    subscribe(call, req.typeUrl, "resourceNames" in req ? req.resourceNames : req.resourceNamesSubscribe);
  });
  const drop = (): void => {
    for (const set of subscribers.values()) set.delete(call);
  };
  call.on("end", () => (drop(), call.end()));
  call.on("cancelled", drop);
  call.on("error", drop);
}

async function startFloor(): Promise<string> {
  const server = new grpc.Server();
  server.addService(
    {
      StreamAggregatedResources: rawMethod("StreamAggregatedResources", (b) => fromBinary(DiscoveryRequestSchema, b)),
      DeltaAggregatedResources: rawMethod("DeltaAggregatedResources", (b) => fromBinary(DeltaDiscoveryRequestSchema, b)),
    },
    { StreamAggregatedResources: floorHandler, DeltaAggregatedResources: floorHandler },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return `127.0.0.1:${port}`;
}

serveParent<FloorApi>({
  async init({ sizes, hubBackends, zone: z }) {
    zone = z;
    for (const model of [models.ours, models.floor]) {
      for (const doc of meshBundles(sizes, hubBackends).flat()) model.put(doc, 1);
      model.revision = 1;
    }
    cache.setSnapshot(MESH, new Snapshot(translateMesh(models.ours, MESH, { localZone: zone }), "lab-1"));
    ours = await startAdsServer({ cache, onError: (err, context) => process.stderr.write(`ours ${context}: ${String(err)}\n`) });
    return { oursAddress: ours.address, floorAddress: await startFloor() };
  },
  floorStreams: () => floorStreams,
  oursChange({ kind, n }) {
    applyChange(models.ours, kind, n);
    const t = nowMs();
    const snapshot = new Snapshot(translateMesh(models.ours, MESH, { localZone: zone }), `lab-${models.ours.revision}`);
    const tStart = nowMs();
    cache.setSnapshot(MESH, snapshot);
    return { tStart, buildMs: tStart - t, queuedMs: nowMs() - tStart };
  },
  floorChange({ kind, n, mode }) {
    applyChange(models.floor, kind, n);
    // Untimed: which message changed is the control plane's business, not the floor's.
    const resources = translateMesh(models.floor, MESH, { localZone: zone });
    const names = namesOf(kind === "mesh-wide" ? HUB : serviceName(LAB_ROUTED));
    const version = `floor-${models.floor.revision}`;
    const tStart = nowMs();
    const [typeUrl, any, name] =
      kind === "mesh-wide"
        ? [TYPE_URL.endpoint, anyPack(ClusterLoadAssignmentSchema, resources.endpoints.find((e) => e.clusterName === names.endpoint)!), names.endpoint]
        : [TYPE_URL.route, anyPack(RouteConfigurationSchema, resources.routes.find((r) => r.name === names.route)!), names.route];
    const bytes = Buffer.from(
      mode === "sotw"
        ? toBinary(DiscoveryResponseSchema, create(DiscoveryResponseSchema, { versionInfo: version, typeUrl, nonce: version, resources: [any] }))
        : toBinary(
            DeltaDiscoveryResponseSchema,
            create(DeltaDiscoveryResponseSchema, { systemVersionInfo: version, typeUrl, nonce: version, resources: [create(ResourceSchema, { name, version, resource: any })] }),
          ),
    );
    const encoded = nowMs();
    const targets = subscribers.get(`${typeUrl}|${name}`) ?? new Set<RawCall>();
    for (const call of targets) call.write(bytes);
    return { tStart, encodeMs: encoded - tStart, writeMs: nowMs() - encoded, targets: targets.size, bytes: bytes.length };
  },
});
