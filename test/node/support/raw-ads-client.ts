import * as grpc from "@grpc/grpc-js";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { NodeSchema } from "../../../gen/envoy/config/core/v3/base_pb.js";
import {
  DiscoveryRequestSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { StatusSchema } from "../../../gen/google/rpc/status_pb.js";
import { adsServiceDefinition } from "../../../src/xds-bridge/xds/ads-service.js";
import { resourceNameOf } from "../../../src/xds-bridge/xds/resource-kinds.js";

export interface RawNode {
  id: string;
  cluster?: string;
  /** Goes into node.metadata.mesh when set. */
  mesh?: string;
  /** Extra node metadata. */
  metadata?: JsonObject;
}

/** Fields of a DiscoveryRequest a test chooses; the node is added to the first one. */
export interface RawRequest {
  typeUrl: string;
  resourceNames?: string[];
  responseNonce?: string;
  versionInfo?: string;
  /** Makes the request a NACK with this error_detail message. */
  errorDetail?: string;
}

interface Waiter {
  match: (r: DiscoveryResponse) => boolean;
  resolve: (r: DiscoveryResponse) => void;
  reject: (err: Error) => void;
}

/** Per type, what a real client would remember between requests. */
interface TypeMemory {
  names: string[];
  lastNonce: string;
  ackedVersion: string;
}

/**
 * A bare ADS client: sends exactly the DiscoveryRequests a test asks for
 * (stale nonces, NACKs, odd subscriptions) and hands back decoded responses.
 * Helpers ack/nack/subscribe behave like a well-mannered client.
 *
 * @example
 *   const c = RawAdsClient.connect(ads.address, { id: "p1" });
 *   c.subscribe(TYPE_URL.listener);            // wildcard
 *   const lds = await c.next(TYPE_URL.listener);
 *   c.ack(lds);
 *   c.close();
 */
export class RawAdsClient {
  /** Every response, in arrival order (never consumed). */
  readonly received: DiscoveryResponse[] = [];
  /** Resolves with the stream's final status. */
  readonly ended: Promise<grpc.StatusObject>;
  private readonly queue: DiscoveryResponse[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly memory = new Map<string, TypeMemory>();
  private endStatus: grpc.StatusObject | undefined;
  private sentNode = false;

  private constructor(
    private readonly client: grpc.Client,
    private readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>,
    /** Undefined: never send a node (a protocol violation, for tests). */
    private readonly node: RawNode | undefined,
  ) {
    call.on("data", (response: DiscoveryResponse) => this.onResponse(response));
    // Errors also arrive as a status; listening keeps them from being thrown.
    call.on("error", () => {});
    this.ended = new Promise((resolve) => {
      call.on("status", (status: grpc.StatusObject) => {
        this.endStatus = status;
        for (const w of this.waiters.splice(0)) {
          w.reject(new Error(`ADS stream ended (${status.code} ${status.details}) while waiting for a response`));
        }
        resolve(status);
      });
    });
  }

  /** Opens a stream to `address` (host:port); nothing is sent until the first request. */
  static connect(address: string, node: RawNode | undefined): RawAdsClient {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const m = adsServiceDefinition.StreamAggregatedResources;
    const call = client.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize);
    return new RawAdsClient(client, call, node);
  }

  /** Sends one request as given (plus node on the first). */
  send(request: RawRequest): void {
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
      create(DiscoveryRequestSchema, {
        node,
        typeUrl: request.typeUrl,
        resourceNames: request.resourceNames ?? [],
        responseNonce: request.responseNonce ?? "",
        versionInfo: request.versionInfo ?? "",
        errorDetail:
          request.errorDetail === undefined
            ? undefined
            : create(StatusSchema, { code: grpc.status.INVALID_ARGUMENT, message: request.errorDetail }),
      }),
    );
  }

  /**
   * (Re)subscribes like a real client: echoes the latest nonce received and
   * the last ACKed version of the type (so the server also counts it an ACK).
   */
  subscribe(typeUrl: string, names: string[] = []): void {
    const m = this.remember(typeUrl);
    m.names = names;
    this.send({ typeUrl, resourceNames: names, responseNonce: m.lastNonce, versionInfo: m.ackedVersion });
  }

  /** Accepts a response. */
  ack(response: DiscoveryResponse): void {
    const m = this.remember(response.typeUrl);
    m.ackedVersion = response.versionInfo;
    m.lastNonce = response.nonce;
    this.send({
      typeUrl: response.typeUrl,
      resourceNames: m.names,
      responseNonce: response.nonce,
      versionInfo: m.ackedVersion,
    });
  }

  /** Rejects a response, keeping the previously ACKed version. */
  nack(response: DiscoveryResponse, errorDetail: string): void {
    const m = this.remember(response.typeUrl);
    m.lastNonce = response.nonce;
    this.send({
      typeUrl: response.typeUrl,
      resourceNames: m.names,
      responseNonce: response.nonce,
      versionInfo: m.ackedVersion,
      errorDetail,
    });
  }

  /**
   * The oldest not-yet-taken response of `typeUrl` (and matching `match`),
   * waiting for it if needed.
   */
  next(typeUrl: string, match: (r: DiscoveryResponse) => boolean = () => true, timeoutMs = 30_000): Promise<DiscoveryResponse> {
    const fits = (r: DiscoveryResponse): boolean => r.typeUrl === typeUrl && match(r);
    const index = this.queue.findIndex(fits);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0] as DiscoveryResponse);
    if (this.endStatus) return Promise.reject(new Error(`ADS stream already ended (${this.endStatus.code})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${typeUrl} response within ${timeoutMs} ms`));
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
  takeAll(): DiscoveryResponse[] {
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

  private onResponse(response: DiscoveryResponse): void {
    this.received.push(response);
    // A real client echoes the latest nonce it saw on its next request.
    this.remember(response.typeUrl).lastNonce = response.nonce;
    const index = this.waiters.findIndex((w) => w.match(response));
    if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(response);
    else this.queue.push(response);
  }

  private remember(typeUrl: string): TypeMemory {
    let m = this.memory.get(typeUrl);
    if (!m) {
      m = { names: [], lastNonce: "", ackedVersion: "" };
      this.memory.set(typeUrl, m);
    }
    return m;
  }
}

/**
 * Names of the resources a response carries, in order.
 *
 * @example namesOf(await client.next(TYPE_URL.cluster)) // ["echo-c"]
 */
export function namesOf(response: DiscoveryResponse): string[] {
  return response.resources.map(resourceNameOf);
}
