/**
 * A worker process holding hundreds of simulated proxies, each its own ADS
 * stream on its own HTTP/2 connection (@grpc/grpc-js, generated Envoy
 * types), SotW or delta. A proxy subscribes by name like a proxyless gRPC
 * client and ACKs every response at once. Per response it records arrival,
 * version and bytes, and whether a subscribed resource's content changed,
 * which is what "affected" means in the report (computed from what it
 * received, not from what the server meant to send).
 *
 * Spawned by bench/run.ts; see the commands in `SimProxyApi`.
 */
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { createHash } from "node:crypto";
import { NodeSchema } from "../gen/envoy/config/core/v3/base_pb.js";
import { DeltaDiscoveryRequestSchema, DiscoveryRequestSchema, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse } from "../gen/envoy/service/discovery/v3/discovery_pb.js";
import { adsServiceDefinition } from "../src/xds-bridge/xds/ads-service.js";
import { TYPE_URL } from "../src/xds-bridge/xds-resources.js";
import { emitToParent, nowMs, serveParent } from "./ipc.js";
import type { SimProxySpec } from "./mesh.js";

export type Mode = "sotw" | "delta";

/** What one proxy saw since the last `mark`. */
export interface ProxyWindow {
  id: string;
  responses: number;
  /** Encoded DiscoveryResponse bytes, as read off the stream. */
  wireBytes: number;
  /** Encoded resource bytes (Any values), as the bridge's onResponse counts them. */
  resourceBytes: number;
  /** Subscribed resources whose content changed (or appeared, or went away). */
  changed: number;
  firstArrival: number;
  /** When it ACKed the last response that changed something. */
  lastChangeAck: number;
  versions: string[];
}

export interface ConnectArg {
  mode: Mode;
  proxies: (SimProxySpec & { address: string })[];
  /** Wait until each proxy holds spec.initial resources (false: until requests are written). */
  waitInitial: boolean;
}

export type SimProxyApi = {
  connect: [ConnectArg, { ready: number; total: number; ms: number; late: string[] }];
  mark: [null, null];
  collect: [null, { proxies: ProxyWindow[]; cpuUs: number; rssBytes: number }];
  digest: [null, Record<string, string>];
  disconnect: [null, null];
  usage: [null, { cpuUs: number; rssBytes: number }];
};

export interface ProgressEvent {
  worker: number;
  changedProxies: number;
  lastArrival: number;
  ready: number;
}

const TYPES = [TYPE_URL.listener, TYPE_URL.route, TYPE_URL.cluster, TYPE_URL.endpoint] as const;
const TYPE_INDEX = new Map<string, number>(TYPES.map((t, i) => [t, i]));
/** SotW: absence from an LDS/CDS response is a removal; from RDS/EDS it says nothing. */
const ABSENCE_REMOVES = [true, false, true, false];

/** Response plus its size on the wire, so bytes are counted without re-encoding. */
interface Sized<T> {
  message: T;
  wireBytes: number;
}
/** The bridge's own method definition, its response decoder wrapped to keep each message's size. */
function sized<Req, Res>(m: grpc.MethodDefinition<Req, Res>) {
  return {
    path: m.path,
    serialize: m.requestSerialize,
    deserialize: (b: Buffer): Sized<Res> => ({ message: m.responseDeserialize(b), wireBytes: b.length }),
  };
}
const sotwMethod = sized(adsServiceDefinition.StreamAggregatedResources);
const deltaMethod = sized(adsServiceDefinition.DeltaAggregatedResources);

/** One resource of a response, named, with its encoded bytes. */
interface Received {
  name: string;
  value: Uint8Array;
}

/** The name inside an encoded Listener / RouteConfiguration / Cluster / ClusterLoadAssignment: field 1 of each. */
function innerName(value: Uint8Array): string {
  const r = new BinaryReader(value);
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.LengthDelimited) return r.string();
    r.skip(wire, field);
  }
  return "";
}

const emptyWindow = (id: string): ProxyWindow => ({ id, responses: 0, wireBytes: 0, resourceBytes: 0, changed: 0, firstArrival: 0, lastChangeAck: 0, versions: [] });

class SimProxy {
  readonly held = TYPES.map(() => new Map<string, Buffer>());
  readonly subs: Set<string>[];
  window: ProxyWindow;
  ready = false;
  private client: grpc.Client | undefined;
  private sotw: grpc.ClientDuplexStream<DiscoveryRequest, Sized<DiscoveryResponse>> | undefined;
  private delta: grpc.ClientDuplexStream<DeltaDiscoveryRequest, Sized<DeltaDiscoveryResponse>> | undefined;
  private readonly names: string[][];

  constructor(
    readonly spec: SimProxySpec & { address: string },
    private readonly mode: Mode,
    private readonly onChange: (p: SimProxy, at: number) => void,
  ) {
    this.names = [spec.names.listener, spec.names.route, spec.names.cluster, spec.names.endpoint];
    this.subs = this.names.map((n) => new Set(n));
    this.window = emptyWindow(spec.id);
  }

  connect(): void {
    // Its own subchannel pool: every proxy gets its own TCP connection, as real ones have.
    this.client = new grpc.Client(this.spec.address, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
      "grpc.max_receive_message_length": -1,
    });
    const node = create(NodeSchema, { id: this.spec.id, locality: { zone: this.spec.zone }, metadata: { mesh: "default" } });
    if (this.mode === "sotw") {
      const call = this.client.makeBidiStreamRequest(sotwMethod.path, sotwMethod.serialize, sotwMethod.deserialize);
      call.on("data", (r: Sized<DiscoveryResponse>) => this.onSotw(r));
      call.on("error", () => {});
      this.sotw = call;
      TYPES.forEach((typeUrl, i) => call.write(create(DiscoveryRequestSchema, { node: i === 0 ? node : undefined, typeUrl, resourceNames: this.names[i] })));
    } else {
      const call = this.client.makeBidiStreamRequest(deltaMethod.path, deltaMethod.serialize, deltaMethod.deserialize);
      call.on("data", (r: Sized<DeltaDiscoveryResponse>) => this.onDelta(r));
      call.on("error", () => {});
      this.delta = call;
      TYPES.forEach((typeUrl, i) =>
        call.write(create(DeltaDiscoveryRequestSchema, { node: i === 0 ? node : undefined, typeUrl, resourceNamesSubscribe: this.names[i] })),
      );
    }
  }

  close(): void {
    this.sotw?.cancel();
    this.delta?.cancel();
    this.client?.close();
  }

  heldCount(): number {
    return this.held.reduce((n, m) => n + m.size, 0);
  }

  /** A stable digest of every subscribed resource held, to check two servers gave the same config. */
  digest(): string {
    const h = createHash("sha1");
    this.held.forEach((m, i) => [...m.keys()].sort().forEach((name) => h.update(`${i}/${name}/`).update(m.get(name)!)));
    return h.digest("hex");
  }

  private onSotw({ message: r, wireBytes }: Sized<DiscoveryResponse>): void {
    const arrival = nowMs();
    const resources = r.resources.map((any) => ({ name: innerName(any.value), value: any.value }));
    this.receive(arrival, r.typeUrl, r.versionInfo, wireBytes, resources, undefined, (t) =>
      this.sotw!.write(create(DiscoveryRequestSchema, { typeUrl: r.typeUrl, resourceNames: this.names[t], responseNonce: r.nonce, versionInfo: r.versionInfo })),
    );
  }

  private onDelta({ message: r, wireBytes }: Sized<DeltaDiscoveryResponse>): void {
    const arrival = nowMs();
    const resources = r.resources.map((res) => ({ name: res.name, value: res.resource?.value ?? new Uint8Array() }));
    this.receive(arrival, r.typeUrl, r.systemVersionInfo, wireBytes, resources, r.removedResources, () =>
      this.delta!.write(create(DeltaDiscoveryRequestSchema, { typeUrl: r.typeUrl, responseNonce: r.nonce })),
    );
  }

  /**
   * One response of either variant: updates what this proxy holds of its
   * subscriptions, ACKs it, and records it. `removed` undefined means state
   * of the world, where leaving a name out of LDS/CDS removes it.
   */
  private receive(arrival: number, typeUrl: string, version: string, wireBytes: number, resources: Received[], removed: string[] | undefined, ack: (t: number) => void): void {
    const t = TYPE_INDEX.get(typeUrl);
    if (t === undefined) return;
    const held = this.held[t]!;
    const sub = this.subs[t]!;
    let changed = 0;
    let resourceBytes = 0;
    for (const { name, value } of resources) {
      resourceBytes += value.byteLength;
      if (sub.has(name)) changed += this.store(held, name, value);
    }
    let gone = removed ?? [];
    if (removed === undefined && ABSENCE_REMOVES[t]) {
      const present = new Set(resources.map((r) => r.name));
      gone = [...held.keys()].filter((name) => !present.has(name));
    }
    for (const name of gone) if (held.delete(name)) changed++;
    ack(t);
    this.record(arrival, wireBytes, resourceBytes, changed, version);
  }

  /** 1 when `value` differs from what is held under `name` (then held), else 0. */
  private store(held: Map<string, Buffer>, name: string, value: Uint8Array): number {
    const old = held.get(name);
    if (old && old.equals(value)) return 0;
    // A copy: the decoded bytes are a view of the whole (possibly huge) message.
    held.set(name, Buffer.from(value));
    return 1;
  }

  private record(arrival: number, wireBytes: number, resourceBytes: number, changed: number, version: string): void {
    const w = this.window;
    const ackAt = nowMs();
    if (w.responses === 0) w.firstArrival = arrival;
    w.responses++;
    w.wireBytes += wireBytes;
    w.resourceBytes += resourceBytes;
    if (w.versions.length < 8) w.versions.push(version);
    if (changed > 0) {
      w.changed += changed;
      w.lastChangeAck = ackAt;
    }
    if (!this.ready && this.heldCount() >= this.spec.initial) this.ready = true;
    this.onChange(this, changed > 0 ? arrival : -arrival);
  }
}

const workerIndex = Number(process.argv[2] ?? 0);
let proxies: SimProxy[] = [];
let changedInWindow = new Set<string>();
let lastArrival = 0;
let progressTimer: NodeJS.Timeout | undefined;

function progress(): void {
  progressTimer ??= setTimeout(() => {
    progressTimer = undefined;
    const event: ProgressEvent = { worker: workerIndex, changedProxies: changedInWindow.size, lastArrival, ready: proxies.filter((p) => p.ready).length };
    emitToParent(event);
  }, 15);
}

const usage = () => {
  const u = process.cpuUsage();
  return { cpuUs: u.user + u.system, rssBytes: process.memoryUsage.rss() };
};

serveParent<SimProxyApi>({
  async connect({ mode, proxies: specs, waitInitial }) {
    const started = nowMs();
    proxies = specs.map(
      (spec) =>
        new SimProxy(spec, mode, (p, at) => {
          lastArrival = Math.max(lastArrival, Math.abs(at));
          if (at > 0) changedInWindow.add(p.spec.id);
          progress();
        }),
    );
    // Batches, so a worker's own connects do not starve its event loop.
    for (let i = 0; i < proxies.length; i += 25) {
      for (const p of proxies.slice(i, i + 25)) p.connect();
      await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = Date.now() + 120_000;
    while (waitInitial && Date.now() < deadline && proxies.some((p) => !p.ready)) await new Promise((r) => setTimeout(r, 50));
    const late = proxies.filter((p) => !p.ready).slice(0, 3).map((p) => `${p.spec.id}@${p.spec.address} holds ${p.heldCount()}/${p.spec.initial}`);
    return { ready: waitInitial ? proxies.filter((p) => p.ready).length : proxies.length, total: proxies.length, ms: nowMs() - started, late };
  },
  mark() {
    for (const p of proxies) p.window = emptyWindow(p.spec.id);
    changedInWindow = new Set();
    lastArrival = 0;
    return null;
  },
  collect() {
    return { proxies: proxies.map((p) => p.window).filter((w) => w.responses > 0), ...usage() };
  },
  digest() {
    return Object.fromEntries(proxies.map((p) => [p.spec.id, p.digest()]));
  },
  disconnect() {
    for (const p of proxies) p.close();
    proxies = [];
    return null;
  },
  usage,
});
