import * as grpc from "@grpc/grpc-js";
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { adsServiceDefinition } from "./ads-service.js";
import { AdsProtocolError, AdsStream } from "./ads-stream.js";
import { guardCallbacks, type ProxyCallbacks } from "./proxy-callbacks.js";
import type { SnapshotCache } from "./snapshot-cache.js";

export interface AdsServerOptions {
  /** Interface to bind; default 127.0.0.1 (pass "0.0.0.0" to serve other hosts). */
  host?: string;
  /** Port to bind; default 0 (any free port, see AdsServer.port). */
  port?: number;
  cache: SnapshotCache;
  callbacks?: ProxyCallbacks;
  /** Failures that are not the client's fault (bugs, throwing callbacks); default console.error. */
  onError?: (err: unknown, context: string) => void;
}

export interface AdsServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** host:port to give to xDS clients. */
  readonly address: string;
  /** Streams currently open. */
  activeStreams(): number;
  /** Ends every stream (each reported closed) and stops the server. */
  close(): Promise<void>;
}

type AdsCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
type DeltaCall = grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

/**
 * Starts a gRPC server speaking state-of-the-world ADS from `cache`.
 * DeltaAggregatedResources answers UNIMPLEMENTED.
 *
 * @example
 *   const cache = new SnapshotCache();
 *   const ads = await startAdsServer({ cache, callbacks: tracker });
 *   cache.setSnapshot("default", new Snapshot(resources, "1"));
 *   // point xDS clients at ads.address; later: await ads.close();
 */
export async function startAdsServer(options: AdsServerOptions): Promise<AdsServer> {
  const host = options.host ?? "127.0.0.1";
  const onError = options.onError ?? ((err, context) => console.error(`[ads] ${context}:`, err));
  const callbacks = guardCallbacks(options.callbacks ?? {}, (err, hook) => onError(err, `callback ${hook}`));
  const closers = new Map<number, () => void>();
  let nextStreamId = 0;

  const server = new grpc.Server();
  server.addService(adsServiceDefinition, {
    StreamAggregatedResources: (call: AdsCall) => {
      nextStreamId += 1;
      serveStream(call, nextStreamId);
    },
    DeltaAggregatedResources: (call: DeltaCall) => {
      call.emit("error", {
        code: grpc.status.UNIMPLEMENTED,
        details: "incremental (delta) xDS is not implemented yet; use state-of-the-world StreamAggregatedResources",
      });
    },
  });

  function serveStream(call: AdsCall, streamId: number): void {
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      closers.delete(streamId);
      stream.close();
    };
    const fail = (err: unknown): void => {
      if (ended) return;
      const protocol = err instanceof AdsProtocolError;
      if (!protocol) onError(err, `ADS stream ${streamId}`);
      finish();
      call.emit("error", {
        code: protocol ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
        details: err instanceof Error ? err.message : String(err),
      });
    };
    const stream = new AdsStream({
      streamId,
      cache: options.cache,
      callbacks,
      send: (response) => {
        if (!ended) call.write(response);
      },
      fail,
    });
    closers.set(streamId, () => {
      finish();
      call.end();
    });
    call.on("data", (request: DiscoveryRequest) => stream.handleRequest(request));
    // The client half-closed: it wants nothing more, so finish with OK.
    call.on("end", () => {
      const wasOpen = !ended;
      finish();
      if (wasOpen) call.end();
    });
    call.on("cancelled", finish);
    call.on("error", finish);
    call.on("close", finish);
  }

  const port = await new Promise<number>((resolve, reject) => {
    const bindHost = host.includes(":") ? `[${host}]` : host;
    server.bindAsync(`${bindHost}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });

  return {
    port,
    address: `${host.includes(":") ? `[${host}]` : host}:${port}`,
    activeStreams: () => closers.size,
    close: async () => {
      for (const close of [...closers.values()]) close();
      // ADS streams never end on their own and clients hold their HTTP/2
      // connections open, so a graceful shutdown would wait forever.
      server.forceShutdown();
    },
  };
}
