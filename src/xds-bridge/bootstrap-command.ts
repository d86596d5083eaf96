/**
 * `edgeplane-bridge bootstrap --service S [--mesh M] [--ads HOST:PORT]
 * [--admin HOST:PORT] [--certs-dir DIR]`: asks the running bridge (its admin
 * endpoint) to hold identity S, waits until its certificate files exist,
 * and prints the bootstrap JSON a @grpc/grpc-js-xds client or XdsServer
 * reads (GRPC_XDS_BOOTSTRAP): the ADS server, the node (id, locality,
 * metadata mesh and service), the `file_watcher` certificate provider
 * `default` with the identity's three files, and the server listener name
 * template. The key never passes through this command: it only names files.
 * It asks the API for a workload token for the service (with an API token
 * taken the way the CLI takes it) and puts it in the node metadata: the
 * bridge registers, and gives an identity to, only a proxy that has one.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveClientConfig } from "../cli/config.js";
import type { IdentityView } from "./identity/identity-manager.js";
import { CERTIFICATE_PROVIDER_INSTANCE } from "./translate/mesh-tls.js";
import { SERVER_LISTENER_TEMPLATE } from "./translate/names.js";

export const BOOTSTRAP_USAGE = `edgeplane-bridge bootstrap: prints a gRPC xDS bootstrap for one service, with its mesh certificates.

Options:
  --service NAME           the service this process is (required)
  --mesh NAME              its mesh                                [default "default"]
  --ads HOST:PORT          the bridge's ADS server                 [default 127.0.0.1:18000]
  --admin HOST:PORT        the bridge's admin endpoint             [default 127.0.0.1:19000]
  --certs-dir DIR          where this process sees the bridge's certs dir (when mounted elsewhere)
  --node-id ID             the node id                             [default SERVICE-<random>]
  --refresh-interval DUR   how often gRPC re-reads the files       [default 5s]
  --timeout-ms N           how long to wait for the certificate    [default 30000]
  --server URL             the API that issues the workload token  [default EDGEPLANE_SERVER, the CLI's config, or local]
  --token TOKEN            an API token of a writer of the mesh    [default EDGEPLANE_TOKEN or the CLI's config]
  --workload-token TOKEN   a workload token issued already (no API call)
  --token-ttl SECONDS      lifetime of the workload token asked for [default 2592000, 30 days]
`;

/** A flag is wrong: exit 2 with the usage. */
export class BootstrapError extends Error {}
/** The bridge did not (or would not) provide the identity: exit 1. */
export class BootstrapFailed extends Error {}

export interface BootstrapOptions {
  service: string;
  mesh: string;
  ads: string;
  admin: string;
  certsDir: string | undefined;
  nodeId: string;
  refreshInterval: string;
  timeoutMs: number;
  server: string | undefined;
  apiToken: string | undefined;
  workloadToken: string | undefined;
  tokenTtlSeconds: number;
}

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseBootstrapArgs(argv: string[]): BootstrapOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: "string" },
      mesh: { type: "string" },
      ads: { type: "string" },
      admin: { type: "string" },
      "certs-dir": { type: "string" },
      "node-id": { type: "string" },
      "refresh-interval": { type: "string" },
      "timeout-ms": { type: "string" },
      server: { type: "string" },
      token: { type: "string" },
      "workload-token": { type: "string" },
      "token-ttl": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const service = values.service;
  if (!service) throw new BootstrapError("--service is required: the service this process is");
  if (!NAME.test(service)) throw new BootstrapError(`--service "${service}" is not a valid service name`);
  const mesh = values.mesh ?? "default";
  if (!NAME.test(mesh)) throw new BootstrapError(`--mesh "${mesh}" is not a valid mesh name`);
  for (const [flag, v] of [["--ads", values.ads], ["--admin", values.admin]] as const) {
    if (v !== undefined && !/^[^\s:]+:[0-9]{1,5}$/.test(v)) throw new BootstrapError(`${flag} "${v}" must be HOST:PORT`);
  }
  const refreshInterval = values["refresh-interval"] ?? "5s";
  if (!/^[0-9]+(\.[0-9]+)?s$/.test(refreshInterval)) throw new BootstrapError(`--refresh-interval "${refreshInterval}" must be seconds, e.g. 5s`);
  const timeoutMs = Number(values["timeout-ms"] ?? "30000");
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100) throw new BootstrapError(`--timeout-ms "${values["timeout-ms"]}" must be a whole number of at least 100`);
  const tokenTtlSeconds = Number(values["token-ttl"] ?? String(30 * 24 * 3600));
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < 60) throw new BootstrapError(`--token-ttl "${values["token-ttl"]}" must be whole seconds, at least 60`);
  return {
    service,
    mesh,
    ads: values.ads ?? "127.0.0.1:18000",
    admin: values.admin ?? "127.0.0.1:19000",
    certsDir: values["certs-dir"],
    nodeId: values["node-id"] ?? `${service}-${randomUUID().slice(0, 8)}`,
    refreshInterval,
    timeoutMs,
    server: values.server,
    apiToken: values.token,
    workloadToken: values["workload-token"],
    tokenTtlSeconds,
  };
}

/** The workload token to present: the one given, or a new one from the API. */
async function workloadTokenFor(opts: BootstrapOptions, fetchImpl: typeof fetch): Promise<string> {
  if (opts.workloadToken) return opts.workloadToken;
  let config;
  try {
    config = await resolveClientConfig({ ...(opts.server ? { server: opts.server } : {}), ...(opts.apiToken ? { token: opts.apiToken } : {}) }, process.env);
  } catch (err) {
    throw new BootstrapFailed(String((err as Error).message));
  }
  if (!config.token) throw new BootstrapFailed("no API token to ask for a workload token with: pass --token, set EDGEPLANE_TOKEN, or give --workload-token");
  const url = `${config.server}/v1/meshes/${opts.mesh}/workload-tokens`;
  const res = await fetchImpl(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${config.token}` },
    body: JSON.stringify({ service: opts.service, ttlSeconds: opts.tokenTtlSeconds }),
  }).catch((err: unknown) => {
    throw new BootstrapFailed(`the API ${config.server} does not answer (${String(err)})`);
  });
  if (res.status !== 201) throw new BootstrapFailed(`the API refused a workload token for ${opts.mesh}/${opts.service}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Holds the identity through the admin endpoint and waits for its files; the bootstrap object. */
export async function bootstrapFor(opts: BootstrapOptions, fetchImpl: typeof fetch = fetch): Promise<object> {
  const base = `http://${opts.admin}`;
  const token = await workloadTokenFor(opts, fetchImpl);
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const held = await fetchImpl(`${base}/identities`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mesh: opts.mesh, service: opts.service, token }),
    }).catch((err: unknown) => {
      throw new BootstrapFailed(`the bridge's admin endpoint ${base} does not answer (${String(err)}): start the bridge with --admin-port`);
    });
    if (held.status === 202) break;
    const text = await held.text();
    // A mesh's first token makes its signing key: the bridge has it once its zone pushed it, a moment later.
    if (held.status === 403 && text.includes('"unknown_key"') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    throw new BootstrapFailed(`the bridge refused to hold ${opts.mesh}/${opts.service}: ${held.status} ${text}`);
  }
  let last: IdentityView | undefined;
  let zone = "";
  while (Date.now() < deadline) {
    const res = await fetchImpl(`${base}/identities`);
    const body = (await res.json()) as { zone?: string; items: IdentityView[] };
    zone = body.zone ?? "";
    last = body.items.find((i) => i.mesh === opts.mesh && i.service === opts.service);
    const paths = last && filesOf(last, opts.certsDir);
    if (last?.state === "issued" && paths && existsSync(paths.cert) && existsSync(paths.key) && existsSync(paths.ca)) {
      return bootstrapJson(opts, zone, paths, token);
    }
    // A mesh without mTLS serves no TLS context, so nothing reads the files yet: the bootstrap is good now,
    // and the files appear (the bridge asks again) once the mesh turns mTLS on, with no restart.
    if (last?.state === "refused" && last.refusal?.code === "mtls_disabled" && paths) {
      process.stderr.write(`mesh "${opts.mesh}" has mTLS disabled: the certificate files will be written when it is enabled\n`);
      return bootstrapJson(opts, zone, paths, token);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const why = last?.refusal ? `the zone refused it: ${last.refusal.code}: ${last.refusal.message}` : `it is still ${last?.state ?? "unknown to the bridge"}`;
  throw new BootstrapFailed(`no certificate for ${opts.mesh}/${opts.service} within ${opts.timeoutMs} ms: ${why}`);
}

function filesOf(view: IdentityView, certsDir: string | undefined): { cert: string; key: string; ca: string } {
  if (certsDir === undefined) return view.paths;
  const dir = join(certsDir, view.mesh, view.service);
  return { cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), ca: join(dir, "ca.pem") };
}

export function bootstrapJson(opts: BootstrapOptions, zone: string, files: { cert: string; key: string; ca: string }, token: string): object {
  return {
    xds_servers: [{ server_uri: opts.ads, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: opts.nodeId, locality: zone ? { zone } : {}, metadata: { mesh: opts.mesh, service: opts.service, token } },
    certificate_providers: {
      [CERTIFICATE_PROVIDER_INSTANCE]: {
        plugin_name: "file_watcher",
        config: { certificate_file: files.cert, private_key_file: files.key, ca_certificate_file: files.ca, refresh_interval: opts.refreshInterval },
      },
    },
    server_listener_resource_name_template: SERVER_LISTENER_TEMPLATE,
  };
}
