import * as grpc from "@grpc/grpc-js";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { NodeSchema, type Node } from "../../../gen/envoy/config/core/v3/base_pb.js";
import { StatusSchema, type Status } from "../../../gen/google/rpc/status_pb.js";

/** The proxy a raw client speaks for. */
export interface RawNode {
  id: string;
  cluster?: string;
  /** Goes into node.metadata.mesh when set. */
  mesh?: string;
  /** Extra node metadata. */
  metadata?: JsonObject;
}

/** What a test gives of the fields both request types have. */
export interface CommonRequest {
  typeUrl: string;
  responseNonce?: string;
  /** Makes the request a NACK with this error_detail message. */
  errorDetail?: string;
}

/** Those fields as they go on the wire. */
export interface CommonFields {
  node: Node | undefined;
  typeUrl: string;
  responseNonce: string;
  errorDetail: Status | undefined;
}

interface Waiter<Res> {
  match: (r: Res) => boolean;
  resolve: (r: Res) => void;
  reject: (err: Error) => void;
}

/**
 * What the raw state-of-the-world and delta clients share: one bidirectional
 * ADS stream on a channel of its own, the node on the first request only,
 * responses kept until a test takes them (by type, in arrival order), and
 * the two ways a proxy leaves. Subclasses build the requests of their variant.
 *
 * @example
 *   class RawAdsClient extends AdsStreamClient<DiscoveryRequest, DiscoveryResponse> { ... }
 *   const c = RawAdsClient.connect(ads.address, { id: "p1" });
 *   const lds = await c.next(TYPE_URL.listener);
 */
export abstract class AdsStreamClient<Req, Res extends { typeUrl: string }> {
  /** Every response, in arrival order (never consumed). */
  readonly received: Res[] = [];
  /** Resolves with the stream's final status. */
  readonly ended: Promise<grpc.StatusObject>;
  private readonly queue: Res[] = [];
  private readonly waiters: Waiter<Res>[] = [];
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Req, Res>;
  private endStatus: grpc.StatusObject | undefined;
  private sentNode = false;

  /** Opens a stream to `address` (host:port); nothing is sent until the first request. */
  constructor(
    address: string,
    /** Undefined: never send a node (a protocol violation, for tests). */
    private readonly node: RawNode | undefined,
    /** Plaintext unless given (the bridge's TLS ADS port takes `grpc.credentials.createSsl(...)`). */
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    const method = this.method();
    this.client = new grpc.Client(address, credentials);
    this.call = this.client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
    this.call.on("data", (response: Res) => this.onResponse(response));
    // Errors also arrive as a status; listening keeps them from being thrown.
    this.call.on("error", () => {});
    this.ended = new Promise((resolve) => {
      this.call.on("status", (status: grpc.StatusObject) => {
        this.endStatus = status;
        for (const w of this.waiters.splice(0)) {
          w.reject(new Error(`${this.label} stream ended (${status.code} ${status.details}) while waiting for a response`));
        }
        resolve(status);
      });
    });
  }

  /** `new` under the name the tests use: `RawAdsClient.connect(address, node)`. */
  static connect<Client>(
    this: new (address: string, node: RawNode | undefined, credentials?: grpc.ChannelCredentials) => Client,
    address: string,
    node: RawNode | undefined,
    credentials?: grpc.ChannelCredentials,
  ): Client {
    return new this(address, node, credentials);
  }

  /**
   * The oldest not-yet-taken response of `typeUrl` (and matching `match`),
   * waiting for it if needed.
   */
  next(typeUrl: string, match: (r: Res) => boolean = () => true, timeoutMs = 30_000): Promise<Res> {
    const fits = (r: Res): boolean => r.typeUrl === typeUrl && match(r);
    const index = this.queue.findIndex(fits);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0] as Res);
    if (this.endStatus) return Promise.reject(new Error(`${this.label} stream already ended (${this.endStatus.code})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${typeUrl} response on the ${this.label} stream within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter<Res> = {
        match: fits,
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Takes every response not taken yet. */
  takeAll(): Res[] {
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

  /**
   * Writes one request: `build` adds the variant's own fields to those both
   * variants share (the node only on the stream's first request).
   */
  protected write(request: CommonRequest, build: (common: CommonFields) => Req): void {
    const node =
      this.sentNode || !this.node
        ? undefined
        : create(NodeSchema, {
            id: this.node.id,
            cluster: this.node.cluster ?? "",
            metadata: { ...this.node.metadata, ...(this.node.mesh === undefined ? {} : { mesh: this.node.mesh }) },
          });
    this.sentNode = true;
    const errorDetail =
      request.errorDetail === undefined ? undefined : create(StatusSchema, { code: grpc.status.INVALID_ARGUMENT, message: request.errorDetail });
    this.call.write(build({ node, typeUrl: request.typeUrl, responseNonce: request.responseNonce ?? "", errorDetail }));
  }

  /** The ADS method of the variant (called once, by the constructor). */
  protected abstract method(): grpc.MethodDefinition<Req, Res>;

  /** Names the stream in errors ("ADS", "delta ADS"). */
  protected abstract readonly label: string;

  /** What the variant remembers of a response (nonces, versions), before a test can take it. */
  protected abstract observe(response: Res): void;

  private onResponse(response: Res): void {
    this.received.push(response);
    this.observe(response);
    const index = this.waiters.findIndex((w) => w.match(response));
    if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(response);
    else this.queue.push(response);
  }
}

/**
 * The type URLs of what `client` received since it had `mark` responses.
 *
 * @example const mark = c.received.length; ...; typesSince(c, mark) // [CDS, RDS]
 */
export function typesSince(client: { received: { typeUrl: string }[] }, mark: number): string[] {
  return client.received.slice(mark).map((r) => r.typeUrl);
}
