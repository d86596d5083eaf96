import { join } from "node:path";
import { parseArgs } from "node:util";

export interface BridgeConfig {
  zone: string;
  controlPlane: string;
  token: string | undefined;
  /** Where the token came from; read again before each connection (rotation without a restart). */
  tokenFile: string | undefined;
  bridgeId: string | undefined;
  adsHost: string;
  adsPort: number;
  /** The TLS-only ADS port for Envoy sidecars (SDS secrets go only there); undefined: none. */
  adsTlsPort: number | undefined;
  /** The mesh whose CA issues the TLS port's serving certificate (and whose trust bundle sidecars pin). */
  adsTlsMesh: string;
  cacheDir: string;
  /** Where identities' cert.pem, key.pem and ca.pem are written, per mesh and service. */
  certsDir: string;
  reportEveryMs: number;
  workloadsDir: string | undefined;
  /** Admin endpoint (config_dump, probes, metrics); undefined: off. */
  adminPort: number | undefined;
  /** Interface of the admin endpoint; loopback unless set (a cluster's probes need the pod address). */
  adminHost: string;
  proxyGraceMs: number;
  proxyExpiryMs: number;
  logLevel: "debug" | "info" | "warn" | "error";
}

export const USAGE = `edgeplane-bridge: serves Envoy xDS (ADS) to the proxies of one cluster from its Edgeplane zone.

Options (each also settable by the environment variable in brackets):
  --zone NAME              zone this bridge belongs to            [EDGEPLANE_ZONE, default "default"]
  --control-plane URL      Edgeplane API base URL                 [EDGEPLANE_CONTROL_PLANE, default http://127.0.0.1:8787]
  --token-file FILE        file holding the zone token            [EDGEPLANE_TOKEN_FILE]
  --bridge-id ID           stable id of this bridge               [EDGEPLANE_BRIDGE_ID, default: random per start]
  --ads-host HOST          interface for the ADS server           [EDGEPLANE_ADS_HOST, default 127.0.0.1]
  --ads-port N             port for the ADS server                [EDGEPLANE_ADS_PORT, default 18000]
  --ads-tls-port N         TLS-only ADS port for Envoy sidecars: SDS secrets are served
                           only there (plaintext keeps proxyless gRPC); off when unset
                                                                  [EDGEPLANE_ADS_TLS_PORT]
  --ads-tls-mesh MESH      mesh whose CA issues that port's certificate
                           (spiffe://MESH/zone/ZONE/bridge)       [EDGEPLANE_ADS_TLS_MESH, default "default"]
  --cache-dir DIR          where the last good zone state is kept [EDGEPLANE_CACHE_DIR, default .edgeplane/cache]
  --certs-dir DIR          identities' cert.pem, key.pem, ca.pem under DIR/MESH/SERVICE/
                                                                  [EDGEPLANE_CERTS_DIR, default CACHE_DIR/certs]
  --report-every-ms N      how often ACK/NACK changes go upstream [EDGEPLANE_REPORT_EVERY_MS, default 50]
  --admin-port N           admin endpoint: GET /config_dump?proxy=ID, /proxies, /healthz,
                           /readyz, /metrics; off when unset      [EDGEPLANE_ADMIN_PORT]
  --admin-host HOST        interface of the admin endpoint        [EDGEPLANE_ADMIN_HOST, default 127.0.0.1]
  --workloads-dir DIR      Workload documents (*.yaml, *.json) to register, watched
                                                                  [EDGEPLANE_WORKLOADS_DIR]
  --proxy-grace-ms N       a proxy-declared workload turns unhealthy this long after
                           its proxy disconnects                  [EDGEPLANE_PROXY_GRACE_MS, default 10000]
  --proxy-expiry-ms N      ... and is removed after this long     [EDGEPLANE_PROXY_EXPIRY_MS, default 600000]
  --log-level LEVEL        debug, info, warn or error             [EDGEPLANE_LOG_LEVEL, default info]
  --help                   print this text
`;

export class ConfigError extends Error {}

/**
 * Reads the bridge's configuration from flags, then the environment, then
 * defaults; refuses values that cannot work with a message naming the flag.
 *
 * @example parseBridgeConfig(["--zone", "west", "--ads-port", "18001"], process.env)
 */
export function parseBridgeConfig(argv: string[], env: NodeJS.ProcessEnv, readFile: (p: string) => string): BridgeConfig | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      zone: { type: "string" },
      "control-plane": { type: "string" },
      "token-file": { type: "string" },
      "bridge-id": { type: "string" },
      "ads-host": { type: "string" },
      "ads-port": { type: "string" },
      "ads-tls-port": { type: "string" },
      "ads-tls-mesh": { type: "string" },
      "cache-dir": { type: "string" },
      "certs-dir": { type: "string" },
      "report-every-ms": { type: "string" },
      "workloads-dir": { type: "string" },
      "admin-port": { type: "string" },
      "admin-host": { type: "string" },
      "proxy-grace-ms": { type: "string" },
      "proxy-expiry-ms": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const pick = (flag: keyof typeof values, envName: string, dflt?: string): string | undefined =>
    (values[flag] as string | undefined) ?? env[envName] ?? dflt;

  const zone = pick("zone", "EDGEPLANE_ZONE", "default")!;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(zone)) throw new ConfigError(`--zone "${zone}" is not a valid zone name`);
  const controlPlane = pick("control-plane", "EDGEPLANE_CONTROL_PLANE", "http://127.0.0.1:8787")!;
  if (!/^https?:\/\//.test(controlPlane)) throw new ConfigError(`--control-plane "${controlPlane}" must be an http(s) URL`);
  const tokenFile = pick("token-file", "EDGEPLANE_TOKEN_FILE");
  const cacheDir = pick("cache-dir", "EDGEPLANE_CACHE_DIR", ".edgeplane/cache")!;
  const adsTlsMesh = pick("ads-tls-mesh", "EDGEPLANE_ADS_TLS_MESH", "default")!;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(adsTlsMesh)) throw new ConfigError(`--ads-tls-mesh "${adsTlsMesh}" is not a valid mesh name`);
  const level = pick("log-level", "EDGEPLANE_LOG_LEVEL", "info")!;
  if (!["debug", "info", "warn", "error"].includes(level)) throw new ConfigError(`--log-level "${level}" is not one of debug, info, warn, error`);
  const adsPort = int("--ads-port", pick("ads-port", "EDGEPLANE_ADS_PORT", "18000")!, 0, 65535);
  const adsTlsPort = ((v) => (v === undefined ? undefined : int("--ads-tls-port", v, 0, 65535)))(pick("ads-tls-port", "EDGEPLANE_ADS_TLS_PORT"));
  if (adsTlsPort !== undefined && adsTlsPort !== 0 && adsTlsPort === adsPort) throw new ConfigError(`--ads-tls-port ${adsTlsPort} is the plaintext --ads-port too: the two need ports of their own`);
  return {
    zone,
    controlPlane,
    token: tokenFile ? readFile(tokenFile).trim() : undefined,
    tokenFile,
    bridgeId: pick("bridge-id", "EDGEPLANE_BRIDGE_ID"),
    adsHost: pick("ads-host", "EDGEPLANE_ADS_HOST", "127.0.0.1")!,
    adsPort,
    adsTlsPort,
    adsTlsMesh,
    cacheDir,
    certsDir: pick("certs-dir", "EDGEPLANE_CERTS_DIR", join(cacheDir, "certs"))!,
    reportEveryMs: int("--report-every-ms", pick("report-every-ms", "EDGEPLANE_REPORT_EVERY_MS", "50")!, 10, 60_000),
    logLevel: level as BridgeConfig["logLevel"],
    workloadsDir: pick("workloads-dir", "EDGEPLANE_WORKLOADS_DIR"),
    adminHost: pick("admin-host", "EDGEPLANE_ADMIN_HOST", "127.0.0.1")!,
    adminPort: ((v) => (v === undefined ? undefined : int("--admin-port", v, 0, 65535)))(pick("admin-port", "EDGEPLANE_ADMIN_PORT")),
    proxyGraceMs: int("--proxy-grace-ms", pick("proxy-grace-ms", "EDGEPLANE_PROXY_GRACE_MS", "10000")!, 0, 86_400_000),
    proxyExpiryMs: int("--proxy-expiry-ms", pick("proxy-expiry-ms", "EDGEPLANE_PROXY_EXPIRY_MS", "600000")!, 0, 604_800_000),
  };
}

function int(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${flag} "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}
