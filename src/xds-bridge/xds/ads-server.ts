import * as grpc from "@grpc/grpc-js";
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { DeltaAdsStream } from "./ads-delta-stream.js";
import { adsServiceDefinition } from "./ads-service.js";
import { SotwAdsStream } from "./ads-sotw-stream.js";
import { AdsProtocolError, type ProxyGate } from "./ads-stream-base.js";
import { guardCallbacks, type ProxyCallbacks, type ProxyInfo, type StreamDump } from "./proxy-callbacks.js";
import type { SnapshotCache } from "./snapshot-cache.js";

export interface AdsServerOptions {
  /** Interface to bind; default 127.0.0.1 (pass "0.0.0.0" to serve other hosts). */
  host?: string;
  /** Port to bind; default 0 (any free port, see AdsServer.port). */
  port?: number;
  cache: SnapshotCache;
  callbacks?: ProxyCallbacks;
  /** What each proxy is served as, decided on its first request (src/xds-bridge/identity/admission.ts). */
  gate?: ProxyGate;
  /** How the port is secured; default plaintext (the TLS ADS port passes certificate-provider credentials). */
  credentials?: grpc.ServerCredentials;
  /**
   * Where stream ids come from; default a counter of this server. Servers
   * sharing callbacks (the plaintext and the TLS port) share one, since the
   * tracker keys streams by id.
   */
  nextStreamId?: () => number;
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
  /** What each open stream of `proxyId` has accepted (one entry per stream). */
  configDump(proxyId: string): StreamDump[];
  /** Ends the open streams whose proxy matches (the proxies reconnect and are gated again); returns how many. */
  endStreams(match: (proxy: ProxyInfo) => boolean): number;
  /** Ends every stream (each reported closed) and stops the server. */
  close(): Promise<void>;
}

type AdsCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
type DeltaCall = grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

/** What the transport needs from a protocol stream (SotwAdsStream or DeltaAdsStream). */
interface ProtocolStream<Req> {
  handleRequest(request: Req): void;
  close(): void;
  dump(): StreamDump | undefined;
}

/** Builds the protocol side of one call, given how to reply and how to give up. */
type ProtocolFactory<Req, Res> = (
  streamId: number,
  send: (response: Res) => void,
  fail: (err: unknown) => void,
) => ProtocolStream<Req>;

/**
 * Starts a gRPC server speaking ADS from `cache`: state of the world
 * (StreamAggregatedResources) and incremental (DeltaAggregatedResources).
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
  const dumps = new Map<number, () => StreamDump | undefined>();
  let counter = 0;
  const nextStreamId = options.nextStreamId ?? (() => ++counter);

  const server = new grpc.Server();
  server.addService(adsServiceDefinition, {
    StreamAggregatedResources: (call: AdsCall) => {
      serveStream(call, nextStreamId(), "ADS", (streamId, send, fail) =>
        new SotwAdsStream({ streamId, cache: options.cache, callbacks, send, fail, ...(options.gate ? { gate: options.gate } : {}) }),
      );
    },
    DeltaAggregatedResources: (call: DeltaCall) => {
      // One id sequence for both variants: the tracker keys streams by id.
      serveStream(call, nextStreamId(), "delta ADS", (streamId, send, fail) =>
        new DeltaAdsStream({ streamId, cache: options.cache, callbacks, send, fail, ...(options.gate ? { gate: options.gate } : {}) }),
      );
    },
  });

  function serveStream<Req, Res>(
    call: grpc.ServerDuplexStream<Req, Res>,
    streamId: number,
    label: string,
    makeStream: ProtocolFactory<Req, Res>,
  ): void {
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      closers.delete(streamId);
      dumps.delete(streamId);
      stream.close();
    };
    const fail = (err: unknown): void => {
      if (ended) return;
      const protocol = err instanceof AdsProtocolError;
      if (!protocol) onError(err, `${label} stream ${streamId}`);
      finish();
      call.emit("error", {
        code: protocol ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL,
        details: err instanceof Error ? err.message : String(err),
      });
    };
    const send = (response: Res): void => {
      if (!ended) call.write(response);
    };
    const stream = makeStream(streamId, send, fail);
    dumps.set(streamId, () => stream.dump());
    closers.set(streamId, () => {
      finish();
      call.end();
    });
    call.on("data", (request: Req) => stream.handleRequest(request));
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
    server.bindAsync(`${bindHost}:${options.port ?? 0}`, options.credentials ?? grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });

  return {
    port,
    address: `${host.includes(":") ? `[${host}]` : host}:${port}`,
    activeStreams: () => closers.size,
    configDump: (proxyId) =>
      [...dumps.values()].map((d) => d()).filter((d): d is StreamDump => d !== undefined && d.proxy.id === proxyId),
    endStreams: (match) => {
      let ended = 0;
      for (const [id, dump] of [...dumps]) {
        const proxy = dump()?.proxy;
        if (proxy && match(proxy)) {
          closers.get(id)?.();
          ended += 1;
        }
      }
      return ended;
    },
    close: async () => {
      for (const close of [...closers.values()]) close();
      // ADS streams never end on their own and clients hold their HTTP/2
      // connections open, so a graceful shutdown would wait forever.
      server.forceShutdown();
    },
  };
}
