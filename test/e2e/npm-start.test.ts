/**
 * `npm start` as a new user runs it (hardening 6, 18): the commands it
 * prints work when pasted into bash; Ctrl-C stops everything; a restart
 * keeps the local secrets (an outside bridge's token still works) and the
 * user's changes (the demo is applied once); a bridge refused for its token
 * picks up a new token from its file without a restart; a port clash fails
 * at once with the port named and nothing left running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, type ApiEndpoint } from "../../scripts/lib/api-caller.js";
import { freePort } from "../../scripts/lib/ports.js";
import { ROOT, startBridge, stopGroup, type BridgeProcess } from "../../scripts/lib/processes.js";
import { revokeZoneToken } from "../../scripts/lib/zone-token.js";

const home = mkdtempSync(join(tmpdir(), "edgeplane-start-"));
const running: { child: ChildProcess; exited: Promise<number | null> }[] = [];
const bridges: BridgeProcess[] = [];

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

/** Runs `npm start`'s entry as a user would, in its own process group, until `until` shows in its output. */
async function npmStart(env: Record<string, string>, until: RegExp): Promise<Started> {
  const child = spawn(process.execPath, [join(ROOT, "scripts", "run.mjs"), "start"], {
    cwd: ROOT,
    env: { ...process.env, EDGEPLANE_HOME: home, EDGEPLANE_DEMO_PORTS: "auto", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  running.push({ child, exited });
  const deadline = Date.now() + 120_000;
  while (!until.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { child, exited, output: () => out };
}

async function ports(): Promise<Record<string, string>> {
  return { EDGEPLANE_API_PORT: String(await freePort()), EDGEPLANE_ADS_PORT: String(await freePort()), EDGEPLANE_ADMIN_PORT: String(await freePort()) };
}

/** Runs `script` in bash in its own process group, and ends that group (background jobs too) afterwards. */
async function pasteIntoBash(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn("bash", ["-euo", "pipefail", "-c", script], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    // the group is gone already
  }
  return { status, stdout, stderr };
}

/** The CLI as a user runs it, with `token` and nothing from this machine's config. */
function runCli(server: string, token: string, args: string[], stdin?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "edgeplane.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, EDGEPLANE_SERVER: server, EDGEPLANE_TOKEN: token, EDGEPLANE_CONFIG: "", XDG_CONFIG_HOME: home },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

afterAll(async () => {
  for (const b of bridges) await b.stop();
  for (const r of running) await stopGroup(r.child, r.exited.then(() => undefined), 5_000);
  rmSync(home, { recursive: true, force: true });
});

describe("npm start", () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await ports();
  });

  it("prints commands that work pasted into bash, and Ctrl-C stops everything", { timeout: 240_000 }, async () => {
    const started = await npmStart(env, /Ctrl-C stops everything\./);
    const text = started.output();
    expect(text).toContain("Applied examples/demo.yaml");
    expect(statSync(join(home, "admin.token")).mode & 0o777).toBe(0o600);
    // The dashboard's URL as printed serves its sign-in page, and the sign-in token printed beside it signs in.
    const dashboard = /open (http:\/\/\S+\/ui\/) and sign in with this token\n# \(the local dev system's admin token, also in (\S+)\):\n# Sign-in token: (\S+)\n/.exec(text);
    expect(dashboard, text).not.toBeNull();
    expect(dashboard![2]).toBe(join(home, "admin.token"));
    const printed = dashboard![3]!;
    expect(printed).toBe(readFileSync(dashboard![2]!, "utf8").trim());
    const page = await fetch(dashboard![1]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form id="sign-in"');
    const signIn = await fetch(new URL("/v1/meshes", dashboard![1]!), { headers: { authorization: `Bearer ${printed}` } });
    expect(signIn.status).toBe(200);
    // And it is the token that was checked, not any string: a wrong one is refused.
    expect((await fetch(new URL("/v1/meshes", dashboard![1]!), { headers: { authorization: `Bearer ${printed}x` } })).status).toBe(401);
    const guide = text.slice(text.indexOf("Try (each line works pasted as is):") + 36, text.indexOf("Ctrl-C stops everything."));
    const pasted = await pasteIntoBash(guide);
    expect(pasted.stderr).not.toMatch(/command not found|No such file/);
    expect(pasted.status, `${pasted.stdout}\n${pasted.stderr}`).toBe(0);
    expect(pasted.stdout).toMatch(/echo-v2-a\D+20\b/);
    expect(pasted.stdout).toContain("edgeplane_bridge_zone_connected 1");

    process.kill(-started.child.pid!, "SIGINT");
    expect(await started.exited).toBe(0);
    for (const p of Object.values(env)) expect(await listening(Number(p))).toBe(false);
  });

  it("keeps secrets and the user's changes across a restart; a bridge picks up a rotated token from its file", { timeout: 180_000 }, async () => {
    const outsideToken = join(home, "outside.token");
    copyFileSync(join(home, "zone-default.token"), outsideToken);
    const started = await npmStart(env, /Ctrl-C stops everything\./);
    expect(started.output()).toContain("applied on an earlier start");
    const api = `http://127.0.0.1:${env.EDGEPLANE_API_PORT}`;
    const admin: ApiEndpoint = { url: api, adminToken: readFileSync(join(home, "admin.token"), "utf8").trim() };
    const auth = { headers: adminHeaders(admin) };
    const route = (await (await fetch(`${api}/v1/meshes/default/httproutes/echo-split`, auth)).json()) as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
    expect(route.spec.rules[0]!.backendRefs.find((b) => b.name === "echo-v2")?.weight).toBe(100);

    // A bridge outside npm start, with the token of the first run: same signing secret, so accepted.
    const outside = await startBridge({ zone: "default", controlPlane: api, adsPort: await freePort(), cacheDir: join(home, "outside-cache"), extraArgs: ["--token-file", outsideToken] });
    bridges.push(outside);
    await outside.waitFor((e) => e.event === "zone_connected");
    expect(outside.events.some((e) => e.event === "zone_refused")).toBe(false);

    // Revoked: refused; a new token written into the same file is used at once (no 30 s wait, no restart).
    const tokens = (await (await fetch(`${api}/v1/zones/default/tokens`, auth)).json()) as { items: { id: string; revokedAt: string | null }[] };
    const since = outside.events.length;
    for (const t of tokens.items.filter((t) => t.revokedAt === null)) await revokeZoneToken(admin, "default", t.id);
    const refused = await outside.waitFor((e) => e.event === "zone_refused", 20_000, since);
    expect(refused.code).toBe("token_revoked");
    const issued = (await (await fetch(`${api}/v1/zones/default/tokens`, { method: "POST", ...auth })).json()) as { token: string };
    writeFileSync(outsideToken, `${issued.token}\n`);
    // Well before the 30 s the zone asked to wait: the new token in the file is news.
    await outside.waitFor((e) => e.event === "zone_connected", 15_000, outside.events.length);

    process.kill(-started.child.pid!, "SIGINT");
    expect(await started.exited).toBe(0);
  });

  it("guards the API with tokens as a user meets them through the CLI (issue 10)", { timeout: 180_000 }, async () => {
    const started = await npmStart(env, /Ctrl-C stops everything\./);
    const server = `http://127.0.0.1:${env.EDGEPLANE_API_PORT}`;
    const admin = readFileSync(join(home, "admin.token"), "utf8").trim();
    const cli = (token: string, args: string[], stdin?: string) => runCli(server, token, args, stdin);
    const mint = async (args: string[]) => {
      const r = await cli(admin, ["token", "create", ...args]);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    expect((await cli(admin, ["get", "services"])).stdout).toContain("echo-v1");
    const reader = await mint(["--subject", "viewer", "--role", "reader", "--meshes", "default"]);
    const writer = await mint(["--subject", "ci", "--role", "writer", "--meshes", "default", "--sources", "gitops"]);
    const other = await mint(["--subject", "team-b", "--role", "writer", "--meshes", "default"]);
    const svc = (name: string, port = 7001) => `kind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: ${port}}]}\n`;

    expect((await cli(reader, ["get", "services"])).status).toBe(0);
    const readerWrite = await cli(reader, ["apply", "-f", "-"], svc("by-reader"));
    expect(readerWrite.status).toBe(1);
    expect(readerWrite.stderr).toMatch(/forbidden/);
    expect((await cli(writer, ["apply", "-f", "-", "-m", "elsewhere"], svc("x"))).stderr).toMatch(/forbidden/);
    expect((await cli(writer, ["token", "list"])).stderr).toMatch(/forbidden/);
    const zoneToken = await fetch(`${server}/v1/zones/default/tokens`, { method: "POST", headers: { authorization: `Bearer ${writer}` } });
    expect(zoneToken.status).toBe(403);
    // Workload tokens: a writer of the mesh issues, lists and revokes them; a reader may not issue one.
    const workload = await cli(writer, ["workload-token", "create", "--service", "echo", "--ttl", "1h"]);
    expect(workload.status, workload.stderr).toBe(0);
    expect(workload.stdout.trim()).toMatch(/^ewt1\.[\w-]+\.[\w-]+$/);
    expect((await cli(reader, ["workload-token", "create", "--service", "echo"])).stderr).toMatch(/forbidden/);
    const listed = await cli(reader, ["workload-token", "list", "-o", "json"]);
    const ids = (JSON.parse(listed.stdout) as { items: { id: string; service: string }[] }).items.filter((t) => t.service === "echo").map((t) => t.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(listed.stdout).not.toContain(workload.stdout.trim());
    expect((await cli(writer, ["workload-token", "revoke", ids[0]!])).stdout).toMatch(/revoked at/);

    // Two sources cannot overwrite each other; a pruning apply deletes exactly what left the bundle.
    expect((await cli(writer, ["apply", "-f", "-", "--source", "gitops", "--prune"], svc("git-a") + "---\n" + svc("git-b"))).status).toBe(0);
    const clash = await cli(other, ["apply", "-f", "-"], svc("git-a", 9999));
    expect(clash.status).toBe(1);
    expect(clash.stderr).toMatch(/owned_by_other_source[\s\S]*gitops/);
    expect((await cli(writer, ["apply", "-f", "-", "--source", "gitops", "--prune"], svc("git-a"))).status).toBe(0);
    expect((await cli(admin, ["get", "service", "git-b"])).status).toBe(1);
    expect((await cli(admin, ["get", "service", "git-a"])).status).toBe(0);
    const history = await cli(admin, ["history", "service", "git-b"]);
    expect(history.stdout).toMatch(/delete\s+\S+\s+ci\s+gitops/);

    // Revoked: refused on the very next request.
    const list = JSON.parse((await cli(admin, ["token", "list", "-o", "json"])).stdout) as { items: { id: string; subject: string }[] };
    const id = list.items.find((t) => t.subject === "viewer")!.id;
    expect((await cli(admin, ["token", "revoke", id])).status).toBe(0);
    const after = await cli(reader, ["get", "services"]);
    expect(after.status).toBe(1);
    expect(after.stderr).toMatch(/unauthenticated[\s\S]*revoked/);
    expect((await fetch(`${server}/v1/meshes`)).status).toBe(401);

    process.kill(-started.child.pid!, "SIGINT");
    expect(await started.exited).toBe(0);
  });

  it("fails at once on a port clash, naming the port, with nothing left running", async () => {
    const clash = await ports();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(clash.EDGEPLANE_ADS_PORT), "127.0.0.1", () => r()));
    try {
      const started = await npmStart(clash, /npm start failed/);
      expect(await started.exited).toBe(1);
      expect(started.output()).toMatch(new RegExp(`port ${clash.EDGEPLANE_ADS_PORT} \\(EDGEPLANE_ADS_PORT\\) is in use`));
      expect(await listening(Number(clash.EDGEPLANE_API_PORT))).toBe(false);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
