import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { NodeSchema } from "../../../gen/envoy/config/core/v3/base_pb.js";
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { StatusSchema } from "../../../gen/google/rpc/status_pb.js";
import { adsServiceDefinition } from "../../../src/xds-bridge/xds/ads-service.js";
import type { RawNode } from "./raw-ads-client.js";

/** Fields of a DeltaDiscoveryRequest a test chooses; the node is added to the first one. */
export interface RawDeltaRequest {
  typeUrl: string;
  subscribe?: string[];
  unsubscribe?: string[];
  /** initial_resource_versions: name -> version the client already has. */
  initialVersions?: Record<string, string>;
  responseNonce?: string;
  /** Makes the request a NACK with this error_detail message. */
  errorDetail?: string;
}

interface Waiter {
  match: (r: DeltaDiscoveryResponse) => boolean;
  resolve: (r: DeltaDiscoveryResponse) => void;
  reject: (err: Error) => void;
}

/**
 * A bare delta (incremental) ADS client: sends exactly the
 * DeltaDiscoveryRequests a test asks for and hands back decoded responses.
 * It also applies every response to its own per-type name -> version view,
 * as a real client would, so a test can reconnect with
 * initial_resource_versions.
 *
 * @example
 *   const c = RawDeltaClient.connect(ads.address, { id: "p1" });
 *   c.subscribe(TYPE_URL.cluster);             // legacy wildcard
 *   c.ack(await c.next(TYPE_URL.cluster));
 *   const again = RawDeltaClient.connect(ads.address, { id: "p1" });
 *   again.subscribe(TYPE_URL.cluster, [], c.versions(TYPE_URL.cluster));
 */
export class RawDeltaClient {
  /** Every response, in arrival order (never consumed). */
  readonly received: DeltaDiscoveryResponse[] = [];
  /** Resolves with the stream's final status. */
  readonly ended: Promise<grpc.StatusObject>;
  private readonly queue: DeltaDiscoveryResponse[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly held = new Map<string, Map<string, string>>();
  private endStatus: grpc.StatusObject | undefined;
  private sentNode = false;

  private constructor(
    private readonly client: grpc.Client,
    private readonly call: grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    /** Undefined: never send a node (a protocol violation, for tests). */
    private readonly node: RawNode | undefined,
  ) {
    call.on("data", (response: DeltaDiscoveryResponse) => this.onResponse(response));
    // Errors also arrive as a status; listening keeps them from being thrown.
    call.on("error", () => {});
    this.ended = new Promise((resolve) => {
      call.on("status", (status: grpc.StatusObject) => {
        this.endStatus = status;
        for (const w of this.waiters.splice(0)) {
          w.reject(new Error(`delta ADS stream ended (${status.code} ${status.details}) while waiting for a response`));
        }
        resolve(status);
      });
    });
  }

  /** Opens a delta stream to `address` (host:port); nothing is sent until the first request. */
  static connect(address: string, node: RawNode | undefined): RawDeltaClient {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const m = adsServiceDefinition.DeltaAggregatedResources;
    const call = client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize);
    return new RawDeltaClient(client, call, node);
  }

  /** Sends one request as given (plus node on the first). */
  send(request: RawDeltaRequest): void {
    const node =
      this.sentNode || !this.node
        ? undefined
        : create(NodeSchema, {
            id: this.node.id,
            cluster: this.node.cluster ?? "",
            metadata: { ...this.node.metadata, ...(this.node.mesh === undefined ? {} : { mesh: this.node.mesh }) },
          });
    this.sentNode = true;
    this.call.write(
      create(DeltaDiscoveryRequestSchema, {
        node,
        typeUrl: request.typeUrl,
        resourceNamesSubscribe: request.subscribe ?? [],
        resourceNamesUnsubscribe: request.unsubscribe ?? [],
        initialResourceVersions: request.initialVersions ?? {},
        responseNonce: request.responseNonce ?? "",
        errorDetail:
          request.errorDetail === undefined
            ? undefined
            : create(StatusSchema, { code: grpc.status.INVALID_ARGUMENT, message: request.errorDetail }),
      }),
    );
  }

  /** Subscribes to more names ("*" for wildcard; none on a first LDS/CDS request: legacy wildcard). */
  subscribe(typeUrl: string, names: string[] = [], initialVersions?: Record<string, string>): void {
    this.send({ typeUrl, subscribe: names, initialVersions });
  }

  /** Unsubscribes from names ("*" ends a wildcard). */
  unsubscribe(typeUrl: string, names: string[]): void {
    this.send({ typeUrl, unsubscribe: names });
  }

  /** Accepts a response. */
  ack(response: DeltaDiscoveryResponse): void {
    this.send({ typeUrl: response.typeUrl, responseNonce: response.nonce });
  }

  /** Rejects a response. */
  nack(response: DeltaDiscoveryResponse, errorDetail: string): void {
    this.send({ typeUrl: response.typeUrl, responseNonce: response.nonce, errorDetail });
  }

  /** The next response of `typeUrl` (see `next`), ACKed. */
  async nextAcked(typeUrl: string, match?: (r: DeltaDiscoveryResponse) => boolean): Promise<DeltaDiscoveryResponse> {
    const response = await this.next(typeUrl, match);
    this.ack(response);
    return response;
  }

  /**
   * Subscribes to one more resource, which must exist and be new to this
   * stream, and waits for (and ACKs) the response carrying it. Requests and
   * responses are ordered on the stream, so afterwards the server has acted on
   * every earlier request and every earlier response has arrived.
   */
  async sync(typeUrl: string, name: string): Promise<void> {
    this.subscribe(typeUrl, [name]);
    await this.nextAcked(typeUrl, (r) => r.resources.some((resource) => resource.name === name));
  }

  /** What the client holds of a type (name -> version), for initial_resource_versions. */
  versions(typeUrl: string): Record<string, string> {
    return Object.fromEntries(this.held.get(typeUrl) ?? []);
  }

  /**
   * The oldest not-yet-taken response of `typeUrl` (and matching `match`),
   * waiting for it if needed.
   */
  next(
    typeUrl: string,
    match: (r: DeltaDiscoveryResponse) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<DeltaDiscoveryResponse> {
    const fits = (r: DeltaDiscoveryResponse): boolean => r.typeUrl === typeUrl && match(r);
    const index = this.queue.findIndex(fits);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0] as DeltaDiscoveryResponse);
    if (this.endStatus) return Promise.reject(new Error(`delta ADS stream already ended (${this.endStatus.code})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${typeUrl} delta response within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match: fits,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Takes every response not taken yet. */
  takeAll(): DeltaDiscoveryResponse[] {
    return this.queue.splice(0);
  }

  /** Half-closes the stream (the server then ends it with OK) and the channel. */
  close(): void {
    this.call.end();
    this.client.close();
  }

  /** Cancels the stream abruptly, as a crashing proxy would. */
  cancel(): void {
    this.call.cancel();
    this.client.close();
  }

  private onResponse(response: DeltaDiscoveryResponse): void {
    this.received.push(response);
    let held = this.held.get(response.typeUrl);
    if (!held) {
      held = new Map();
      this.held.set(response.typeUrl, held);
    }
    for (const r of response.resources) held.set(r.name, r.version);
    for (const name of response.removedResources) held.delete(name);
    const index = this.waiters.findIndex((w) => w.match(response));
    if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(response);
    else this.queue.push(response);
  }
}

/**
 * Names of the resources a delta response carries (updated or added), in order.
 *
 * @example deltaNamesOf(await client.next(TYPE_URL.cluster)) // ["echo-c"]
 */
export function deltaNamesOf(response: DeltaDiscoveryResponse): string[] {
  return response.resources.map((r) => r.name);
}
