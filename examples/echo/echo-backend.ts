import * as grpc from "@grpc/grpc-js";

/** The method of the test echo service. */
export const ECHO_METHOD_PATH = "/edgeplane.demo.Echo/Call";
/** A second method of the same service, answered alike: routes can tell methods apart. */
export const ECHO_OTHER_METHOD_PATH = "/edgeplane.demo.Echo/Other";

export interface EchoRequest {
  message: string;
}

/** A backend answers with its own name, so a caller can tell which one it reached. */
export interface EchoReply {
  backend: string;
  message: string;
}

function jsonCodec<T>(check: (value: unknown) => value is T) {
  return {
    serialize: (value: T): Buffer => Buffer.from(JSON.stringify(value), "utf8"),
    deserialize: (bytes: Buffer): T => {
      const value: unknown = JSON.parse(bytes.toString("utf8"));
      if (!check(value)) throw new Error(`unexpected echo payload: ${bytes.toString("utf8")}`);
      return value;
    },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isRequest = (v: unknown): v is EchoRequest => isRecord(v) && typeof v["message"] === "string";
const isReply = (v: unknown): v is EchoReply =>
  isRecord(v) && typeof v["backend"] === "string" && typeof v["message"] === "string";

const requestCodec = jsonCodec(isRequest);
const replyCodec = jsonCodec(isReply);

/** JSON over gRPC: no .proto needed, works with any grpc-js channel (xds:// included). */
export const echoMethod: grpc.MethodDefinition<EchoRequest, EchoReply> = {
  path: ECHO_METHOD_PATH,
  requestStream: false,
  responseStream: false,
  requestSerialize: requestCodec.serialize,
  requestDeserialize: requestCodec.deserialize,
  responseSerialize: replyCodec.serialize,
  responseDeserialize: replyCodec.deserialize,
};

export interface EchoBackend {
  readonly name: string;
  readonly port: number;
  /** host:port */
  readonly address: string;
  /** Calls answered so far. */
  calls(): number;
  /** Turns failing every call with UNAVAILABLE on or off (a backend that "keeps failing"). */
  setFailing(failing: boolean): void;
  close(): Promise<void>;
}

/** How a test backend misbehaves. */
export interface EchoBehaviour {
  /**
   * Fail the first attempt of every call with UNAVAILABLE and answer its
   * retries (gRPC marks a retry with `grpc-previous-rpc-attempts`): a retry
   * policy hides the failure, no retry exposes it.
   */
  failFirstAttempt?: boolean;
  /** Answer after this long (a slow backend, for circuit breaking). */
  delayMs?: number;
}

/**
 * Starts a real gRPC server answering ECHO_METHOD_PATH with its `name`.
 *
 * @example
 *   const a = await startEchoBackend("a");
 *   await callEcho(a.address); // "a"
 *   await a.close();
 */
export async function startEchoBackend(name: string, port = 0, host = "127.0.0.1", behaviour: EchoBehaviour = {}): Promise<EchoBackend> {
  let calls = 0;
  let failing = false;
  const server = new grpc.Server();
  const answer = (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => {
    calls += 1;
    const retry = call.metadata.get("grpc-previous-rpc-attempts").length > 0;
    if (failing || (behaviour.failFirstAttempt && !retry)) {
      callback({ code: grpc.status.UNAVAILABLE, details: `${name} fails ${failing ? "every call" : "first attempts"}` });
      return;
    }
    const reply = () => callback(null, { backend: name, message: call.request.message });
    if (behaviour.delayMs) setTimeout(reply, behaviour.delayMs);
    else reply();
  };
  server.addService({ Call: echoMethod, Other: { ...echoMethod, path: ECHO_OTHER_METHOD_PATH } }, { Call: answer, Other: answer });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    name,
    port: bound,
    address: `${host}:${bound}`,
    calls: () => calls,
    setFailing: (on) => {
      failing = on;
    },
    close: async () => {
      // Callers hold channels open; a graceful shutdown would wait for them.
      server.forceShutdown();
    },
  };
}

export interface EchoClientOptions {
  /** Default: insecure. */
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
  /** Per call; default 10 s. */
  deadlineMs?: number;
}

/**
 * A long-lived channel to an echo target (host:port, dns:///..., xds:///...).
 * Keep one open to watch a client follow configuration changes.
 *
 * @example
 *   const client = new EchoClient("xds:///echo");
 *   await client.call(); // "a" — the name of the backend that answered
 *   client.close();
 */
export class EchoClient {
  private readonly client: grpc.Client;
  private readonly deadlineMs: number;

  constructor(target: string, options: EchoClientOptions = {}) {
    this.client = new grpc.Client(
      target,
      options.credentials ?? grpc.credentials.createInsecure(),
      options.channelOptions ?? {},
    );
    this.deadlineMs = options.deadlineMs ?? 10_000;
  }

  /** Makes one RPC; resolves with the answering backend's name. */
  call(message = "ping"): Promise<string> {
    return this.callFull(message).then((reply) => reply.backend);
  }

  /** Makes one RPC; resolves with the whole reply. `method` and `metadata` default to Call and none. */
  callFull(message = "ping", opts: { method?: string; metadata?: Record<string, string> } = {}): Promise<EchoReply> {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(opts.metadata ?? {})) metadata.set(k, v);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        opts.method ?? echoMethod.path,
        echoMethod.requestSerialize,
        echoMethod.responseDeserialize,
        { message },
        metadata,
        { deadline: Date.now() + this.deadlineMs },
        (err, reply) => (err || !reply ? reject(err ?? new Error("empty echo reply")) : resolve(reply)),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/**
 * One RPC on a fresh channel; resolves with the answering backend's name.
 *
 * @example await callEcho("127.0.0.1:50051") // "a"
 */
export async function callEcho(target: string, options: EchoClientOptions = {}): Promise<string> {
  const client = new EchoClient(target, options);
  try {
    return await client.call();
  } finally {
    client.close();
  }
}
