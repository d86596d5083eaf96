/**
 * The edgeplane CLI as a user runs it: `node bin/edgeplane.js ...` in its
 * own process, against the whole local system (wrangler dev, bridge, real
 * backends, demo mesh) and a @grpc/grpc-js-xds client that holds the
 * configuration, so `apply --wait` has a real proxy to wait for.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { ackOf, splitRoute } from "../../scripts/lib/local-mesh.js";
import { ROOT } from "../../scripts/lib/processes.js";
import { useLocalSystem } from "./support/use-local-system.js";

const CLIENT = "cli-e2e-client";
const sys = useLocalSystem({ system: "mesh", xdsClient: { nodeId: CLIENT, warm: true } });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a child process, as a user would. */
function cli(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/edgeplane.js"), ...args], {
      cwd: ROOT,
      // A config file of the machine must not point the CLI elsewhere.
      env: { ...process.env, EDGEPLANE_SERVER: sys.mesh.wrangler.url, XDG_CONFIG_HOME: sys.dir, EDGEPLANE_CONFIG: "", EDGEPLANE_TOKEN: sys.mesh.wrangler.adminToken },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

async function file(name: string, docs: unknown[]): Promise<string> {
  const path = join(sys.dir, name);
  await writeFile(path, docs.map((d) => stringify(d)).join("---\n"));
  return path;
}

const service = (name: string, port: number) => ({ kind: "Service", metadata: { name, labels: { team: "cli" } }, spec: { ports: [{ port, protocol: "grpc" }] } });

describe("edgeplane CLI against the local system", () => {
  let first = 0;
  let second = 0;

  it("applies a file: created, then updated, then unchanged", async () => {
    const v1 = await file("cli-svc-v1.yaml", [service("cli-svc", 7001)]);
    const created = await cli(["apply", "-f", v1]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect(created.stdout).toMatch(/^RESOURCE\s+RESULT\s+REVISION\nService default\/cli-svc\s+created\s+(\d+)\n$/);
    first = Number(/created\s+(\d+)/.exec(created.stdout)![1]);

    const v2 = await file("cli-svc-v2.yaml", [service("cli-svc", 7002)]);
    const updated = await cli(["apply", "-f", v2, "-o", "json"]);
    expect(updated.code).toBe(0);
    const body = JSON.parse(updated.stdout) as { revision: number; results: { action: string; revision: number }[] };
    expect(body.results).toEqual([{ kind: "Service", mesh: "default", name: "cli-svc", action: "updated", revision: body.revision }]);
    second = body.revision;
    expect(second).toBeGreaterThan(first);

    const again = await cli(["apply", "-f", "-"], stringify(service("cli-svc", 7002)));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Service default\/cli-svc\s+unchanged\s+/);
  });

  it("previews with --dry-run without writing", async () => {
    const v3 = await file("cli-svc-v3.yaml", [service("cli-svc", 7003)]);
    const plan = await cli(["apply", "-f", v3, "--dry-run"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/Service default\/cli-svc\s+would be updated/);
    const now = await cli(["get", "service", "cli-svc", "-o", "json"]);
    expect(JSON.parse(now.stdout).spec.ports[0].port).toBe(7002);
  });

  it("gets a resource and lists a kind, as JSON and as a table", async () => {
    const one = await cli(["get", "svc", "cli-svc", "-o", "json"]);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: "Service", metadata: { name: "cli-svc", mesh: "default", revision: second }, spec: { ports: [{ port: 7002, protocol: "grpc" }] } });
    const list = await cli(["get", "services"]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^NAME\s+PORTS\s+REVISION\s+AGE$/);
    for (const name of ["echo", "echo-v1", "echo-v2", "cli-svc"]) expect(list.stdout).toMatch(new RegExp(`^${name}\\s`, "m"));
  });

  it("shows the history and the diff between two revisions", async () => {
    const history = await cli(["history", "service", "cli-svc"]);
    expect(history.code).toBe(0);
    // Since access control, history says who wrote each revision and through which source (issue 10).
    expect(history.stdout).toMatch(new RegExp(`^REVISION\\s+OP\\s+AT\\s+BY\\s+SOURCE\\n${second}\\s+put\\s+\\S+\\s+local-admin\\s+local-admin\\n${first}\\s+put\\s+\\S+\\s+local-admin\\s+local-admin\\n$`));
    const diff = await cli(["diff", "service", "cli-svc", "--from", String(first), "--to", String(second)]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toBe(`Service default/cli-svc: revision ${first} -> ${second}\n~ spec.ports[0].port: 7001 -> 7002\n`);
  });

  it("rolls back to an older revision as a new revision", async () => {
    const rollback = await cli(["rollback", "service", "cli-svc", "--to", String(first)]);
    expect(rollback.code).toBe(0);
    const revision = Number(/now at revision (\d+)/.exec(rollback.stdout)?.[1]);
    expect(revision).toBeGreaterThan(second);
    const now = await cli(["get", "service", "cli-svc", "-o", "yaml"]);
    expect(now.stdout).toContain("port: 7001");
  });

  it("prints the API's error with its field and the file line, and exits 1", async () => {
    const bad = join(sys.dir, "bad.yaml");
    await writeFile(bad, "kind: Service\nmetadata: {name: fine}\nspec: {ports: [{port: 80}]}\n---\n# wrong port\nkind: Service\nmetadata: {name: broken}\nspec: {ports: [{port: 70000}]}\n");
    const run = await cli(["apply", "-f", bad]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: invalid_field \(HTTP 422\): document 1: .*\n {2}field: spec\.ports\[0\]\.port\n/);
    expect(run.stderr).toContain(`  in:    ${bad}:6\n`);
    // All or nothing: the valid document was not written either.
    const fine = await cli(["get", "service", "fine"]);
    expect(fine.code).toBe(1);
    expect(fine.stderr).toMatch(/^error: not_found \(HTTP 404\)/);
  });

  it("deletes a resource", async () => {
    const del = await cli(["delete", "service", "cli-svc"]);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/^Service default\/cli-svc deleted \(revision \d+\)\n$/);
    const gone = await cli(["get", "service", "cli-svc"]);
    expect(gone.code).toBe(1);
  });

  it("refuses a bad command line with exit code 2 and the usage", async () => {
    const run = await cli(["diff", "service", "echo"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error: diff needs --from");
    expect(run.stderr).toContain("Usage: edgeplane diff KIND NAME --from REV");
  });

  it("apply --wait returns once the connected grpc-js-xds client ACKed the change", async () => {
    const route = await file("route-0-100.yaml", [splitRoute([0, 100])]);
    const run = await cli(["apply", "-f", route, "--wait", "--timeout", "30s", "-o", "json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { revision: number; wait: { result: string; writeToLastAckMs: number | null; status: { proxies: { proxyId: string; state: string }[] } }[] };
    expect(body.wait).toHaveLength(1);
    expect(body.wait[0]!.result).toBe("acked");
    expect(body.wait[0]!.status.proxies).toContainEqual(expect.objectContaining({ proxyId: CLIENT, state: "ACK" }));
    // The bridge logged the client's ACK of the new route before the zone could report it,
    // and so before the CLI could see it; the short wait only covers the log pipe.
    await sys.mesh.bridge.waitFor(ackOf(CLIENT, "RouteConfiguration", body.revision), 2_000);
    // And the client does route by the new weights.
    for (let i = 0; i < 10; i++) expect(await sys.client.call()).toBe("echo-v2-a");
  });

  it("apply --wait prints who ACKed and the time from write to the last ACK", async () => {
    const route = await file("route-80-20.yaml", [splitRoute([80, 20])]);
    const run = await cli(["apply", "-f", route, "--wait"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/HTTPRoute default\/echo-split\s+updated\s+\d+\n/);
    expect(run.stdout).toMatch(/HTTPRoute default\/echo-split revision \d+: ACKed by \d+ prox(y|ies), \d+ ms from write to the last ACK\n/);
    expect(run.stdout).toMatch(/all ACKed: \d+ ms from write to the last ACK/);
  });

  it("status, proxies and zones show the client and the zone", async () => {
    const status = await cli(["status", "httproute", "echo-split"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^HTTPRoute default\/echo-split revision \d+, written /);
    expect(status.stdout).toMatch(/^default\s+yes\s+\d+$/m);
    expect(status.stdout).toMatch(new RegExp(`^${CLIENT}\\s+default\\s+\\S+\\s+yes\\s+ACK\\s+\\d+\\s+\\d+ms`, "m"));
    expect(status.stdout).toMatch(/; done/);

    // The same revision's trace, drawn from the real zone's and bridge's records.
    const traced = await cli(["status", "httproute", "echo-split", "--trace"]);
    expect(traced.code).toBe(0);
    expect(traced.stdout).toMatch(/^zone default \(update \d+, ±[\d.]+ ms\)$/m);
    expect(traced.stdout).toMatch(/^ {2}committed +0\.0 ms {2}\|/m);
    expect(traced.stdout).toMatch(/^ {4}last proxy ACKed +-?[\d.]+ ms {2}\|/m);
    expect(traced.stdout).toContain(`slowest proxy ${CLIENT}: pushed`);

    const proxies = await cli(["proxies", "-o", "json"]);
    expect(proxies.code).toBe(0);
    const items = (JSON.parse(proxies.stdout) as { items: { proxyId: string; connected: boolean; types: Record<string, { state: string }> }[] }).items;
    const mine = items.find((p) => p.proxyId === CLIENT);
    expect(mine?.connected).toBe(true);
    expect(Object.keys(mine?.types ?? {}).sort()).toEqual(["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"]);

    const zones = await cli(["zones"]);
    expect(zones.code).toBe(0);
    expect(zones.stdout).toMatch(/^default\s+(yes|no)\s+\d+\s+0\s+1\/1 connected$/m);
  });
});
