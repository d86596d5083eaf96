import type { AdmissionDecision } from "./identity/admission.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { TYPED_CONFIGS } from "./translate/index.js";
import { RESOURCE_KINDS } from "./xds/resource-kinds.js";
import type { BridgeMetrics } from "./bridge-metrics.js";
import type { AdsServer } from "./xds/ads-server.js";
import { snapshotKeyOfProxy } from "./xds/node-hash.js";
import type { ProxyTracker } from "./xds/proxy-tracker.js";
import type { IdentityManager } from "./identity/identity-manager.js";

/** An identity request is two names: anything longer is not one. */
const MAX_IDENTITY_BODY = 1024;
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What `GET /ads-tls` answers: where sidecars reach the TLS ADS port and what their bootstrap pins. */
export interface AdsTlsView {
  address: string;
  port: number;
  /** The mesh whose CA issued the serving certificate. */
  mesh: string;
  /** The SAN a sidecar matches (spiffe://<mesh>/zone/<zone>/bridge). */
  spiffeId: string | undefined;
  /** pending until the zone issued it; the port drops connections until then. */
  state: string | undefined;
  /** The mesh's trust bundle (PEM) as this bridge holds it: what a sidecar pins. */
  trustBundleFile: string | undefined;
  notAfterMs: number | undefined;
}

/**
 * The bridge's local admin endpoint, on loopback by default (like Envoy's
 * admin): what one proxy has accepted, resource by resource, for
 * `edgeplane config-dump PROXY --bridge URL`; and the tracker's view of every
 * connected proxy; and the probes and metrics a cluster scrapes.
 *
 *   GET /config_dump?proxy=ID   {proxy, streams: [{streamId, snapshotKey, types: [{typeUrl, version, resources}]}]}
 *   GET /proxies                the tracker's per-proxy, per-type ACK/NACK state
 *   GET /healthz                200 while the process runs (liveness)
 *   GET /readyz                 200 once it has a zone state or a cache to serve, else 503
 *   GET /metrics                Prometheus text format (bridge-metrics.ts)
 *   GET /identities             the identities this bridge holds: state, serial, expiry, file paths (never a key)
 *   GET /ads-tls                the TLS ADS port for sidecars: address, the bridge's SPIFFE ID, the trust bundle file (404 when off)
 *   POST /identities            {mesh, service, token}: hold that identity, for a workload token that admits it (what `edgeplane-bridge bootstrap` asks)
 *
 * @example const admin = await startAdminServer({ host: "127.0.0.1", port: 19000, ads, tracker, metrics, ready: () => true });
 */
export async function startAdminServer(opts: {
  host: string;
  port: number;
  ads: Pick<AdsServer, "configDump">;
  /** The TLS ADS port and what a sidecar pins to reach it; undefined when the bridge has none. */
  adsTls?: () => AdsTlsView | undefined;
  tracker: ProxyTracker;
  metrics: BridgeMetrics;
  /** Whether the bridge has something to serve (a zone state or its cache). */
  ready: () => boolean;
  identities: IdentityManager;
  /** Whether a workload token admits `service` of `mesh` (identity/admission.ts): an identity is held only for an admitted one. */
  admits: (mesh: string, service: string, token: unknown) => AdmissionDecision;
  /** The bridge's zone: a bootstrap's node locality. */
  zone: string;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    try {
      answer(req, res);
    } catch (err) {
      // A dump that cannot be rendered must not take the bridge down with it.
      res.writeHead(500, { "content-type": "application/json" });
      res.end(`${JSON.stringify({ code: "internal", message: String(err) })}\n`);
    }
  });
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://admin");
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    if (url.pathname === "/identities" && req.method === "POST") return holdIdentity(req, reply, opts.identities, opts.admits);
    if (url.pathname === "/identities") return reply(200, { zone: opts.zone, items: opts.identities.list() });
    if (req.method !== "GET") return reply(405, { code: "method_not_allowed", message: "GET only (and POST /identities)" });
    if (url.pathname === "/healthz") return reply(200, { ok: true });
    if (url.pathname === "/ads-tls") {
      const tls = opts.adsTls?.();
      return tls ? reply(200, tls) : reply(404, { code: "not_found", message: "this bridge has no TLS ADS port (--ads-tls-port)" });
    }
    if (url.pathname === "/readyz") return opts.ready() ? reply(200, { ready: true }) : reply(503, { ready: false, message: "no zone state and no cache to serve yet" });
    if (url.pathname === "/metrics") {
      opts.metrics.render().then(
        (text) => {
          res.writeHead(200, { "content-type": opts.metrics.registry.contentType });
          res.end(text);
        },
        (err: unknown) => reply(500, { code: "internal", message: String(err) }),
      );
      return;
    }
    if (url.pathname === "/proxies") return reply(200, { items: opts.tracker.snapshotStatus() });
    if (url.pathname !== "/config_dump") return reply(404, { code: "not_found", message: "GET /config_dump?proxy=ID, /proxies, /healthz, /readyz or /metrics" });
    const proxy = url.searchParams.get("proxy");
    if (!proxy) return reply(400, { code: "missing_field", field: "proxy", message: "name the proxy: /config_dump?proxy=ID" });
    const streams = opts.ads.configDump(proxy);
    if (streams.length === 0) return reply(404, { code: "not_found", message: `no proxy "${proxy}" is connected to this bridge` });
    return reply(200, {
      proxy,
      streams: streams.map((s) => ({
        streamId: s.proxy.streamId,
        mesh: s.proxy.mesh,
        snapshotKey: snapshotKeyOfProxy(s.proxy),
        types: s.types.map((t) => {
          const kind = RESOURCE_KINDS.find((k) => k.typeUrl === t.typeUrl);
          return {
            typeUrl: t.typeUrl,
            version: t.version,
            resources: t.resources.map((r) => (kind ? kind.toJson(r.any.value, TYPED_CONFIGS) : { name: r.name })),
          };
        }),
      })),
    });
  };
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : opts.port);
    });
  });
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function holdIdentity(
  req: IncomingMessage,
  reply: (status: number, body: unknown) => void,
  identities: IdentityManager,
  admits: (mesh: string, service: string, token: unknown) => AdmissionDecision,
): void {
  let body = "";
  let tooLong = false;
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString("utf8");
    if (body.length > MAX_IDENTITY_BODY) tooLong = true;
  });
  req.on("end", () => {
    if (tooLong) return reply(413, { code: "too_large", message: `the body must be at most ${MAX_IDENTITY_BODY} bytes` });
    let parsed: { mesh?: unknown; service?: unknown; token?: unknown };
    try {
      parsed = JSON.parse(body) as { mesh?: unknown; service?: unknown; token?: unknown };
    } catch {
      return reply(400, { code: "invalid_json", message: "the body must be JSON: {\"mesh\": \"default\", \"service\": \"echo\"}" });
    }
    for (const field of ["mesh", "service"] as const) {
      const v = parsed[field];
      if (typeof v !== "string" || !NAME.test(v)) return reply(400, { code: "invalid_field", field, message: `${field} must be a name (lowercase letters, digits, '-')` });
    }
    // Whoever reaches this port could otherwise get any service's certificate files written.
    const decision = admits(parsed.mesh as string, parsed.service as string, parsed.token);
    if (!decision.admitted) {
      return reply(403, { code: decision.refusal, field: "token", message: `the workload token does not admit ${String(parsed.mesh)}/${String(parsed.service)} (${decision.refusal})`, hint: "POST /v1/meshes/{mesh}/workload-tokens issues one; edgeplane-bridge bootstrap asks for it" });
    }
    identities.hold(parsed.mesh as string, parsed.service as string).then(
      (view) => reply(202, view),
      (err: unknown) => reply(500, { code: "internal", message: String(err) }),
    );
  });
}
