import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface XdsBootstrapOptions {
  /** host:port of the ADS server. */
  serverAddress: string;
  nodeId: string;
  /** node.metadata.mesh; default "default". */
  mesh?: string;
  nodeCluster?: string;
}

/**
 * The bootstrap JSON a gRPC xDS client reads (GRPC_XDS_BOOTSTRAP).
 *
 * @example JSON.stringify(xdsBootstrap({ serverAddress: ads.address, nodeId: "c1" }))
 */
export function xdsBootstrap(options: XdsBootstrapOptions): object {
  return {
    xds_servers: [
      { server_uri: options.serverAddress, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] },
    ],
    node: {
      id: options.nodeId,
      ...(options.nodeCluster === undefined ? {} : { cluster: options.nodeCluster }),
      locality: {},
      metadata: { mesh: options.mesh ?? "default" },
    },
  };
}

/**
 * Writes the bootstrap to a fresh temp file. grpc-js-xds reads the file named
 * by GRPC_XDS_BOOTSTRAP once per process, at its first xds: channel: set the
 * env before that, or give each client its own process.
 *
 * @example
 *   const boot = await writeXdsBootstrap({ serverAddress: ads.address, nodeId: "c1" });
 *   process.env.GRPC_XDS_BOOTSTRAP = boot.path; // ... await boot.remove();
 */
export async function writeXdsBootstrap(options: XdsBootstrapOptions): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "edgeplane-xds-"));
  const path = join(dir, "bootstrap.json");
  await writeFile(path, JSON.stringify(xdsBootstrap(options), null, 2));
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Makes this process a proxyless xDS client of `serverAddress`: writes the
 * bootstrap, points GRPC_XDS_BOOTSTRAP at it and registers @grpc/grpc-js-xds
 * (which reads the bootstrap once, at its first xds: channel). Afterwards
 * `xds:///<service>` targets resolve through that ADS server.
 *
 * @example const boot = await registerXdsClient({ serverAddress: "127.0.0.1:18000", nodeId: "c1" }); ... await boot.remove();
 */
export async function registerXdsClient(options: XdsBootstrapOptions): Promise<{ path: string; remove(): Promise<void> }> {
  const boot = await writeXdsBootstrap(options);
  process.env.GRPC_XDS_BOOTSTRAP = boot.path;
  (await import("@grpc/grpc-js-xds")).register();
  return boot;
}
