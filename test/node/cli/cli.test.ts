/** Whole commands through `runCli`, in-process against a fake API. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../../src/cli/args.js";
import { runCli } from "../../../src/cli/cli.js";
import { captureIo, FakeApi } from "../support/cli-fake-api.js";
import { useTempDir } from "../support/temp-dir.js";

const dir = useTempDir("edgeplane-cli-");

describe("commands against a fake API", () => {
  const svc = (name: string, revision: number) => ({
    kind: "Service",
    metadata: { name, mesh: "default", revision, updatedAt: "2025-06-01T11:59:00Z" },
    spec: { ports: [{ port: 50051, protocol: "grpc" }] },
  });
  const now = Date.parse("2025-06-01T12:00:00Z");

  it("get lists as a table, or prints the API's answer as JSON or YAML", async () => {
    const list = { kind: "ServiceList", items: [svc("echo", 3), svc("echo-v1", 4)] };
    const api = new FakeApi().on("GET", "/v1/meshes/prod/services", list);
    const io = captureIo(api, { nowMs: now, env: { EDGEPLANE_TOKEN: "s3cret" } });
    expect(await runCli(["get", "svc", "-m", "prod"], io)).toBe(0);
    expect(io.out).toBe("NAME      PORTS        REVISION   AGE\necho      50051/grpc   3          60s\necho-v1   50051/grpc   4          60s\n");
    expect(api.requests[0]?.headers.get("authorization")).toBe("Bearer s3cret");

    const json = captureIo(api);
    expect(await runCli(["get", "services", "-m", "prod", "-o", "json"], json)).toBe(0);
    expect(JSON.parse(json.out)).toEqual(list);
    const yaml = captureIo(api);
    expect(await runCli(["get", "Service", "-m", "prod", "-o", "yaml"], yaml)).toBe(0);
    expect(parseYaml(yaml.out)).toEqual(list);
  });

  it("prints an API error with code, message, field and hint, and exits 1", async () => {
    const api = new FakeApi().on("GET", "/v1/meshes/default/httproutes/nope", () =>
      Response.json({ code: "not_found", message: 'HTTPRoute "nope" does not exist', hint: "list them with get httproutes" }, { status: 404 }),
    );
    const io = captureIo(api);
    expect(await runCli(["get", "httproute", "nope"], io)).toBe(1);
    expect(io.out).toBe("");
    expect(io.err).toBe('error: not_found (HTTP 404): HTTPRoute "nope" does not exist\n  hint:  list them with get httproutes\n');
  });

  it("prints the usage of the command on a usage error, and exits 2", async () => {
    const io = captureIo(new FakeApi());
    expect(await runCli(["get", "pods"], io)).toBe(2);
    expect(io.err).toMatch(/^error: unknown kind "pods"; one of meshes, zones, services/);
    expect(io.err).toContain("Usage: edgeplane get KIND [NAME] [-m MESH]");
  });

  it("apply sends one YAML bundle with the mesh, and reports each result", async () => {
    const file = join(dir, "apply.yaml");
    await writeFile(file, "kind: Service\nmetadata: {name: echo}\nspec: {ports: [{port: 50051}]}\n---\nkind: Service\nmetadata: {name: echo-v1}\nspec: {ports: [{port: 50051}]}\n");
    const api = new FakeApi().on("POST", "/v1/apply", {
      dryRun: false,
      revision: 9,
      results: [
        { kind: "Service", mesh: "prod", name: "echo", action: "created", revision: 9 },
        { kind: "Service", mesh: "prod", name: "echo-v1", action: "unchanged", revision: 4 },
      ],
    });
    const io = captureIo(api);
    expect(await runCli(["apply", "-f", file, "-m", "prod"], io)).toBe(0);
    const req = api.requests[0]!;
    expect(req.query.get("mesh")).toBe("prod");
    expect(req.query.has("dryRun")).toBe(false);
    expect(req.headers.get("content-type")).toBe("application/yaml");
    expect(req.body).toBe("kind: Service\nmetadata:\n  name: echo\nspec:\n  ports:\n    - port: 50051\n---\nkind: Service\nmetadata:\n  name: echo-v1\nspec:\n  ports:\n    - port: 50051\n");
    expect(io.out).toBe("RESOURCE               RESULT      REVISION\nService prod/echo      created     9\nService prod/echo-v1   unchanged   4\n");
  });

  it("apply --dry-run asks for the plan and says nothing was written", async () => {
    const api = new FakeApi().on("POST", "/v1/apply", { dryRun: true, revision: null, results: [{ kind: "Service", mesh: "default", name: "echo", action: "updated", revision: 0 }] });
    const io = captureIo(api, { stdin: "kind: Service\nmetadata: {name: echo}\n" });
    expect(await runCli(["apply", "-f", "-", "--dry-run"], io)).toBe(0);
    expect(api.requests[0]?.query.get("dryRun")).toBe("true");
    expect(io.out).toContain("Service default/echo   would be updated");
    expect(io.out).toContain("dry run: nothing was written");
  });

  it("proxies --all asks for disconnected proxies too; without it the API's default hides them", async () => {
    const answer = { kind: "ProxyList", mesh: "default", meshRevision: 1, items: [] };
    const api = new FakeApi().on("GET", "/v1/meshes/default/proxies", answer);
    expect(await runCli(["proxies", "--all"], captureIo(api))).toBe(0);
    expect(api.requests[0]?.query.get("all")).toBe("true");
    expect(await runCli(["proxies"], captureIo(api))).toBe(0);
    expect(api.requests[1]?.query.has("all")).toBe(false);
  });

  it("status counts a proxy that joined after the write apart, and leaves it out of the write-to-ACK time", async () => {
    const status = {
      kind: "Service", mesh: "default", name: "echo", revision: 5, writtenAt: "2026-01-01T00:00:00.000Z", deleted: false,
      zones: [{ zone: "default", appliedRevision: 5, applied: true }],
      proxies: [
        { proxyId: "early", zone: "default", bridgeId: "b", connected: true, state: "ACK", revision: 5, writeToAckMs: 40 },
        { proxyId: "late", zone: "default", bridgeId: "b", connected: true, state: "ACK", revision: 5, joinedAfterWrite: true },
      ],
      summary: { proxies: 1, acked: 1, nacked: 0, pending: 0, joinedLater: 1 },
      done: true,
    };
    const api = new FakeApi().on("GET", "/v1/meshes/default/services/echo/status", status);
    const io = captureIo(api);
    expect(await runCli(["status", "svc", "echo"], io)).toBe(0);
    expect(io.out).toContain("late (joined later)");
    expect(io.out).toContain("done (40 ms from write to the last ACK); 1 joined after the write (counted apart)");
  });

  it("apply points an API error at the file and line of the document at fault", async () => {
    const file = join(dir, "faulty.yaml");
    await writeFile(file, "kind: Service\nmetadata: {name: ok}\n---\n# the bad one\nkind: Service\nmetadata: {name: bad}\n");
    const api = new FakeApi().on("POST", "/v1/apply", () =>
      Response.json({ code: "missing_field", message: "document 1: spec is required", field: "spec", document: 1 }, { status: 422 }),
    );
    const io = captureIo(api);
    expect(await runCli(["apply", "-f", file], io)).toBe(1);
    expect(io.err).toBe(`error: missing_field (HTTP 422): document 1: spec is required\n  field: spec\n  in:    ${file}:5\n`);
  });

  it("reports an unreachable server with its URL", async () => {
    const io = captureIo(new FakeApi());
    io.fetch = async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    };
    expect(await runCli(["zones"], io)).toBe(1);
    expect(io.err).toMatch(/^error: cannot reach http:\/\/api\.test\/v1\/zones: ECONNREFUSED\n  is the API running\?/);
  });

  it("history, diff and rollback call their routes", async () => {
    const base = "/v1/meshes/default/httproutes/split";
    const api = new FakeApi()
      .on("GET", `${base}/history`, { items: [{ revision: 9, op: "put", at: "2025-06-01T11:00:00Z", document: null }, { revision: 5, op: "put", at: "2025-06-01T10:00:00Z", document: null }], next: null })
      .on("GET", `${base}/diff`, { from: 5, to: 9, changes: [{ path: "spec.rules[0].backendRefs[0].weight", op: "replace", from: 80, to: 0 }] })
      .on("POST", `${base}/rollback`, { kind: "HTTPRoute", metadata: { name: "split", mesh: "default", revision: 10 }, spec: {} });
    const h = captureIo(api);
    expect(await runCli(["history", "httproutes", "split"], h)).toBe(0);
    expect(h.out).toBe("REVISION   OP    AT\n9          put   2025-06-01T11:00:00Z\n5          put   2025-06-01T10:00:00Z\n");
    const d = captureIo(api);
    expect(await runCli(["diff", "httproute", "split", "--from", "5", "--to", "9"], d)).toBe(0);
    expect(api.requests[1]?.query.toString()).toBe("from=5&to=9");
    expect(d.out).toBe("HTTPRoute default/split: revision 5 -> 9\n~ spec.rules[0].backendRefs[0].weight: 80 -> 0\n");
    const r = captureIo(api);
    expect(await runCli(["rollback", "httproute", "split", "--to", "5"], r)).toBe(0);
    expect(JSON.parse(api.requests[2]!.body)).toEqual({ revision: 5 });
    expect(r.out).toBe("HTTPRoute default/split rolled back to the document of revision 5; now at revision 10\n");
  });

  it("config-dump asks the bridge for one proxy and prints its JSON", async () => {
    const api = new FakeApi().on("GET", "/config_dump", (req: { query: URLSearchParams }) => Response.json({ proxy: req.query.get("proxy"), configs: [] }));
    const io = captureIo(api);
    expect(await runCli(["config-dump", "c1", "--bridge", "http://bridge.test:9901/"], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ proxy: "c1", configs: [] });
    expect(await runCli(["config-dump", "c1", "--bridge", "bridge:9901"], captureIo(api))).toBe(2);
  });
});

describe("rollback and --version (hardening 19)", () => {
  it("rollback --dry-run asks for the plan, and --version prints the version", async () => {
    const base = "/v1/meshes/default/httproutes/split";
    const api = new FakeApi().on("POST", `${base}/rollback`, { dryRun: true, revision: null, results: [{ kind: "HTTPRoute", mesh: "default", name: "split", action: "updated", revision: 0 }] });
    const io = captureIo(api);
    expect(await runCli(["rollback", "httproute", "split", "--to", "5", "--dry-run"], io)).toBe(0);
    expect(api.requests[0]?.query.get("dryRun")).toBe("true");
    expect(io.out).toContain("HTTPRoute default/split   would be updated");
    expect(io.out).toContain("dry run: nothing was written");
    expect(parseCommandLine(["rollback", "svc", "a", "--to", "3", "--wait", "--timeout", "5s"]).options).toMatchObject({ wait: true, timeoutMs: 5000 });
    const v = captureIo(new FakeApi());
    expect(await runCli(["--version"], v)).toBe(0);
    expect(v.out).toMatch(/^edgeplane \d+\.\d+\.\d+\n$/);
  });
});

describe("access control from the CLI (issue 10)", () => {
  it("creates, lists and revokes tokens through the API, and shows who wrote each revision", async () => {
    const api = new FakeApi()
      .on("POST", "/v1/tokens", { id: "t1", token: "eyJ.the.token", subject: "ci", role: "writer", meshes: ["default"], sources: null, createdAt: "x", expiresAt: "2027-01-01T00:00:00Z", revokedAt: null })
      .on("GET", "/v1/tokens", { items: [{ id: "t1", subject: "ci", role: "writer", meshes: ["default"], sources: null, createdAt: "x", expiresAt: "2027-01-01", revokedAt: null }] })
      .on("DELETE", "/v1/tokens/t1", { id: "t1", subject: "ci", role: "writer", meshes: ["default"], sources: null, createdAt: "x", expiresAt: "2027-01-01", revokedAt: "2026-12-02" })
      .on("GET", "/v1/meshes/default/services/echo/history", { items: [{ revision: 4, op: "put", at: "t", by: "ci", source: "gitops", document: null }], next: null });
    const create = captureIo(api, { env: { EDGEPLANE_TOKEN: "admin-token" } });
    expect(await runCli(["token", "create", "--subject", "ci", "--role", "writer", "--meshes", "default", "--ttl", "720h"], create)).toBe(0);
    expect(create.out).toBe("eyJ.the.token\n");
    expect(JSON.parse(api.requests[0]!.body)).toEqual({ subject: "ci", role: "writer", meshes: ["default"], ttlSeconds: 2_592_000 });
    expect(api.requests[0]!.headers.get("authorization")).toBe("Bearer admin-token");
    const list = captureIo(api);
    expect(await runCli(["token", "list"], list)).toBe(0);
    expect(list.out).toContain("t1   ci        writer   default");
    expect(await runCli(["token", "revoke", "t1"], captureIo(api))).toBe(0);
    const history = captureIo(api);
    expect(await runCli(["history", "svc", "echo"], history)).toBe(0);
    expect(history.out).toContain("BY   SOURCE");
    expect(history.out).toContain("ci   gitops");
    expect(await runCli(["token", "create", "--subject", "x", "--role", "boss"], captureIo(api))).toBe(2);
  });

  it("signs a bootstrap admin token with the secret, and apply sends source, prune and force", async () => {
    const secretFile = join(dir, "api.secret");
    await writeFile(secretFile, "a-secret-of-the-operator\n");
    const io = captureIo(new FakeApi());
    expect(await runCli(["token", "bootstrap", "--secret-file", secretFile, "--subject", "ops"], io)).toBe(0);
    const { verifyApiToken } = await import("../../../src/contract/api-token.js");
    const reading = await verifyApiToken("a-secret-of-the-operator", io.out.trim(), Date.now());
    expect(reading).toMatchObject({ ok: true, claims: { sub: "ops", role: "admin", meshes: ["*"], bst: true } });
    const api = new FakeApi().on("POST", "/v1/apply", { dryRun: false, revision: 3, results: [], warnings: [] });
    const apply = captureIo(api, { stdin: "kind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 1}]}\n" });
    expect(await runCli(["apply", "-f", "-", "--source", "gitops", "--prune", "--force"], apply)).toBe(0);
    expect(Object.fromEntries(api.requests[0]!.query)).toMatchObject({ source: "gitops", prune: "true", force: "true" });
    expect(await runCli(["apply", "-f", "-", "--prune"], captureIo(api, { stdin: "" }))).toBe(2);
  });

  it("login checks the token and keeps it in a config file only its owner can read", async () => {
    const tokenFile = join(dir, "login.token");
    await writeFile(tokenFile, "tok-123\n");
    const config = join(dir, "cfg", "config.json");
    const api = new FakeApi().on("GET", "/v1/revision", { revision: 9 });
    const io = captureIo(api, { env: { EDGEPLANE_CONFIG: config } });
    expect(await runCli(["login", "--server", "http://api.test", "--token-file", tokenFile], io)).toBe(0);
    expect(api.requests[0]!.headers.get("authorization")).toBe("Bearer tok-123");
    const { readFile, stat } = await import("node:fs/promises");
    expect(JSON.parse(await readFile(config, "utf8"))).toEqual({ server: "http://api.test", token: "tok-123" });
    expect((await stat(config)).mode & 0o777).toBe(0o600);
  });
});
