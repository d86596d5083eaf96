/**
 * The baseline: a naive control plane for one zone that pushes the full
 * state of the world to every proxy on every change. It serves the same
 * translated resources as the bridge (translateMesh, Snapshot) over the same
 * ADS service definition, SotW and delta, but ignores subscriptions, hashes
 * and ACKs: on a stream's first request, and on every change, each stream
 * gets every resource of every type, encoded again for that stream.
 *
 * Its state comes from the API (the GET lists, once, at `load`); after that
 * bench/run.ts tells it each change directly, with the documents the API
 * stored, right after the write is answered. It does not go through the zone
 * Durable Object, so it skips the hop the bridge pays (slightly in its favour).
 *
 *   spawned by bench/run.ts: naive-server.ts <zone> <api-url> <admin-token>
 */
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import type { Resource } from "../src/contract/resource-types.js";
import { ZoneModel } from "../src/contract/zone-model.js";
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
  ResourceSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from "../gen/envoy/service/discovery/v3/discovery_pb.js";
import { translateMesh } from "../src/xds-bridge/translate/index.js";
import { Snapshot } from "../src/xds-bridge/xds/index.js";
import { adsServiceDefinition } from "../src/xds-bridge/xds/ads-service.js";
import { RESOURCE_KINDS } from "../src/xds-bridge/xds/resource-kinds.js";
import { nowMs, serveParent } from "./ipc.js";
import { MESH } from "./mesh.js";

export type NaiveApi = {
  listen: [null, { address: string }];
  load: [null, { resources: number; revision: number; ms: number }];
  apply: [{ docs: Resource[]; revision: number }, { translateMs: number; encodeMs: number; writeMs: number; streams: number }];
  usage: [null, { cpuUs: number; rssBytes: number }];
};

const [zone = "zone-a", api = "http://127.0.0.1:8787", adminToken = ""] = process.argv.slice(2);
const model = new ZoneModel();
let snapshot: Snapshot | undefined;

type Stream = { kind: "sotw"; call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse> } | { kind: "delta"; call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> };
const streams = new Set<Stream>();
let nonce = 0;

/** Every resource of every type to one stream; grpc-js encodes each response for this stream alone. */
function pushAll(s: Stream, snap: Snapshot): void {
  for (const kind of RESOURCE_KINDS) {
    const all = [...snap.resources(kind.typeUrl).values()];
    nonce += 1;
    if (s.kind === "sotw") {
      s.call.write(create(DiscoveryResponseSchema, { versionInfo: snap.version, typeUrl: kind.typeUrl, nonce: String(nonce), resources: all.map((r) => r.any) }));
    } else {
      s.call.write(
        create(DeltaDiscoveryResponseSchema, {
          systemVersionInfo: snap.version,
          typeUrl: kind.typeUrl,
          nonce: String(nonce),
          resources: all.map((r) => create(ResourceSchema, { name: r.name, version: snap.version, resource: r.any })),
        }),
      );
    }
  }
}

function serve<Req>(s: Stream, call: grpc.ServerDuplexStream<Req, unknown>): void {
  let opened = false;
  call.on("data", () => {
    // The first request opens the stream; ACKs and subscriptions change nothing.
    if (opened) return;
    opened = true;
    streams.add(s);
    if (snapshot) pushAll(s, snapshot);
  });
  const drop = (): void => void streams.delete(s);
  call.on("end", () => (drop(), call.end()));
  call.on("cancelled", drop);
  call.on("error", drop);
  call.on("close", drop);
}

const server = new grpc.Server({ "grpc.max_send_message_length": -1 });
server.addService(adsServiceDefinition, {
  StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => serve({ kind: "sotw", call }, call),
  DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => serve({ kind: "delta", call }, call),
});

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

function rebuild(revision: number): { translateMs: number; encodeMs: number } {
  const t0 = nowMs();
  const resources = translateMesh(model, MESH, { localZone: zone });
  const t1 = nowMs();
  snapshot = new Snapshot(resources, String(revision));
  return { translateMs: t1 - t0, encodeMs: nowMs() - t1 };
}

serveParent<NaiveApi>({
  async listen() {
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return { address: `127.0.0.1:${port}` };
  },
  async load() {
    const started = nowMs();
    const { revision } = await getJson<{ revision: number }>("/v1/revision");
    let count = 0;
    for (const plural of ["services", "workloads", "httproutes", "backendpolicies"]) {
      const { items } = await getJson<{ items: (Resource & { status?: unknown })[] }>(`/v1/meshes/${MESH}/${plural}`);
      for (const item of items) {
        // The workloads list adds an inventory `status`; zone-discovered ones are not in the journal.
        if (item.status !== undefined && (item.status as { source?: string }).source !== "api") continue;
        const { status: _status, ...doc } = item;
        model.put(doc as Resource, doc.metadata.revision ?? revision);
        count++;
      }
    }
    model.revision = revision;
    rebuild(revision);
    return { resources: count, revision, ms: nowMs() - started };
  },
  apply({ docs, revision }) {
    for (const doc of docs) model.put(doc, revision);
    model.revision = revision;
    const timing = rebuild(revision);
    const t = nowMs();
    for (const s of streams) pushAll(s, snapshot!);
    return { ...timing, writeMs: nowMs() - t, streams: streams.size };
  },
  usage() {
    const u = process.cpuUsage();
    return { cpuUs: u.user + u.system, rssBytes: process.memoryUsage.rss() };
  },
});
