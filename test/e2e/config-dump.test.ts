/**
 * `edgeplane config-dump PROXY --bridge URL` against a real bridge: what a
 * real @grpc/grpc-js-xds client accepted, resource by resource (issue 5).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/processes.js";
import { journalRevisionOf } from "../../src/xds-bridge/xds/version-info.js";
import { useLocalSystem } from "./support/use-local-system.js";

const sys = useLocalSystem({ system: "mesh", xdsClient: { nodeId: "dump-client", warm: true } });

describe("config-dump", () => {
  it("shows the resources the proxy accepted, per type, with their versions", () => {
    const run = spawnSync(process.execPath, [join(ROOT, "bin/edgeplane.js"), "config-dump", "dump-client", "--bridge", sys.mesh.adminUrl, "-o", "json"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, EDGEPLANE_SERVER: sys.mesh.wrangler.url, EDGEPLANE_TOKEN: sys.mesh.wrangler.adminToken },
    });
    expect(run.status, run.stderr).toBe(0);
    type TypeDump = { typeUrl: string; version: string; resources: { name?: string; clusterName?: string }[] };
    const dump = JSON.parse(run.stdout) as { proxy: string; streams: { types: TypeDump[] }[] };
    expect(dump.proxy).toBe("dump-client");
    const types: Record<string, TypeDump> = Object.fromEntries(dump.streams[0]!.types.map((t) => [t.typeUrl.split(".").pop() ?? "", t]));
    expect(types.Listener?.resources.map((r) => r.name)).toEqual(["echo"]);
    expect(types.RouteConfiguration?.resources.map((r) => r.name)).toEqual(["echo:50051"]);
    expect(types.Cluster?.resources.map((r) => r.name).sort()).toEqual(["outbound|50051||echo-v1.default", "outbound|50051||echo-v2.default"]);
    expect(types.ClusterLoadAssignment?.resources).toHaveLength(2);
    expect(journalRevisionOf(types.Listener!.version)).toBeGreaterThan(0);
  });

  it("answers 404 with a message for a proxy that is not connected", async () => {
    const res = await fetch(`${sys.mesh.adminUrl}/config_dump?proxy=nobody`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("not_found");
  });
});
