/**
 * The edgeplane CLI without a server: argument parsing, kind aliases,
 * output formats, error printing, reading -f sources, configuration, and
 * whole commands run in-process against a fake API.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { Validator, type Schema } from "@cfworker/json-schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../../src/contract/rollout.js";
import { parseCommandLine } from "../../../src/cli/args.js";
import { runCli } from "../../../src/cli/cli.js";
import { waitTargets } from "../../../src/cli/commands/apply.js";
import { formatChanges } from "../../../src/cli/commands/history.js";
import { formatProxies } from "../../../src/cli/commands/inventory.js";
import { configFilePath, resolveClientConfig } from "../../../src/cli/config.js";
import { ApiRequestError, CliError, exitCodeOf, formatError, toApiErrorBody, UsageError } from "../../../src/cli/errors.js";
import { resolveKind, resourcePath } from "../../../src/cli/kinds.js";
import { age, renderData } from "../../../src/cli/output.js";
import { resourceTable } from "../../../src/cli/resource-table.js";
import { bundleBody, readSources } from "../../../src/cli/sources.js";
import { readSse } from "../../../src/cli/sse.js";
import { renderTable } from "../../../src/cli/table.js";
import { captureIo, FakeApi } from "../support/cli-fake-api.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeplane-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noStdin = async () => "";

describe("argument parsing", () => {
  it("reads the command, its arguments and options, with defaults", () => {
    const line = parseCommandLine(["get", "svc", "echo", "-m", "prod", "-o", "json", "--server", "http://x:1"]);
    expect(line.command).toBe("get");
    expect(line.args).toEqual(["svc", "echo"]);
    expect(line.options).toMatchObject({ mesh: "prod", output: "json", server: "http://x:1", wait: false, timeoutMs: 60_000 });
    expect([...line.given].sort()).toEqual(["mesh", "output", "server"]);
    expect(parseCommandLine(["proxies"]).options).toMatchObject({ mesh: "default", output: "table" });
  });

  it("takes several -f, stdin as -, --wait with durations in several forms", () => {
    expect(parseCommandLine(["apply", "-f", "a.yaml", "-f", "-", "--filename", "dir"]).options.files).toEqual(["a.yaml", "-", "dir"]);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "2m"]).options.timeoutMs).toBe(120_000);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "1m30s"]).options.timeoutMs).toBe(90_000);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "5"]).options.timeoutMs).toBe(5_000);
    expect(parseCommandLine(["apply", "-f", "a", "--wait", "--timeout", "500ms"]).options.timeoutMs).toBe(500);
    expect(parseCommandLine(["diff", "route", "r", "--from", "3", "--to", "7"]).options).toMatchObject({ from: 3, to: 7 });
  });

  it.each([
    [["apply"], /apply needs --filename/],
    [["apply", "-f"], /argument missing/],
    [["get"], /get needs more arguments/],
    [["get", "svc", "a", "b"], /at most 2/],
    [["get", "svc", "--bogus"], /Unknown option '--bogus'/],
    [["get", "svc", "--from", "3"], /--from does not apply to get/],
    [["diff", "svc", "a"], /diff needs --from/],
    [["diff", "svc", "a", "--from", "x"], /--from takes a revision number/],
    [["rollback", "svc", "a"], /rollback needs --to/],
    [["get", "svc", "-o", "xml"], /-o takes table, json or yaml/],
    [["apply", "-f", "a", "--timeout", "5s"], /--timeout applies with --wait/],
    [["apply", "-f", "a", "--wait", "--timeout", "soon"], /--timeout takes a duration/],
    [["apply", "-f", "a", "--wait", "--dry-run"], /exclude each other/],
    [["config-dump", "p1"], /config-dump needs --bridge/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ])("refuses %j as a usage error", (argv, message) => {
    let err: unknown;
    try {
      parseCommandLine(argv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect(exitCodeOf(err)).toBe(2);
  });

  it("does not judge the rest of the line when --help is given", () => {
    expect(parseCommandLine(["apply", "--help"]).options.help).toBe(true);
  });
});

describe("kinds", () => {
  it.each([
    ["services", "Service"],
    ["service", "Service"],
    ["svc", "Service"],
    ["SVC", "Service"],
    ["Workloads", "Workload"],
    ["workload", "Workload"],
    ["httproutes", "HTTPRoute"],
    ["HTTPRoute", "HTTPRoute"],
    ["backendpolicies", "BackendPolicy"],
    ["backendpolicy", "BackendPolicy"],
    ["meshes", "Mesh"],
    ["mesh", "Mesh"],
    ["zones", "Zone"],
    ["Zone", "Zone"],
  ])("%s names %s", (word, kind) => {
    expect(resolveKind(word)).toBe(kind);
  });

  it("knows no other words", () => {
    expect(resolveKind("pods")).toBeUndefined();
    expect(resolveKind("")).toBeUndefined();
  });

  it("builds the API path of each kind, encoded", () => {
    expect(resourcePath("HTTPRoute", "default", "echo-split")).toBe("/v1/meshes/default/httproutes/echo-split");
    expect(resourcePath("Service", "prod")).toBe("/v1/meshes/prod/services");
    expect(resourcePath("Mesh", "", "prod")).toBe("/v1/meshes/prod");
    expect(resourcePath("Zone", "")).toBe("/v1/zones");
    expect(resourcePath("Service", "a b", "c/d")).toBe("/v1/meshes/a%20b/services/c%2Fd");
  });
});

describe("output", () => {
  it("pads table columns to the widest cell, without trailing blanks", () => {
    expect(renderTable(["NAME", "REVISION", "AGE"], [["echo", "12", ""], ["echo-v1", "3", "5m"]])).toBe(
      "NAME      REVISION   AGE\necho      12\necho-v1   3          5m\n",
    );
  });

  it("renders data as JSON or YAML that parse back to the same value", () => {
    const value = { kind: "ServiceList", items: [{ metadata: { name: "echo", labels: { "app.kubernetes.io/name": "x" } }, spec: { ports: [{ port: 1 }] } }] };
    expect(JSON.parse(renderData(value, "json"))).toEqual(value);
    expect(renderData(value, "json").endsWith("}\n")).toBe(true);
    expect(parseYaml(renderData(value, "yaml"))).toEqual(value);
  });

  it("says how old a write is, kubectl style", () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    expect(age("2025-06-01T11:59:30Z", now)).toBe("30s");
    expect(age("2025-06-01T11:30:00Z", now)).toBe("30m");
    expect(age("2025-06-01T00:00:00Z", now)).toBe("12h");
    expect(age("2025-05-20T12:00:00Z", now)).toBe("12d");
    expect(age(undefined, now)).toBe("");
  });

  it("shows what each kind does in its table", () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    const meta = (name: string) => ({ name, mesh: "default", revision: 7, updatedAt: "2025-06-01T11:58:00Z" });
    expect(
      resourceTable(
        "HTTPRoute",
        [{ kind: "HTTPRoute", metadata: meta("split"), spec: { parentRefs: [{ name: "echo", port: 50051 }], rules: [{ backendRefs: [{ name: "v1", weight: 80 }, { name: "v2", weight: 20 }] }] } }],
        now,
      ),
    ).toBe("NAME    PARENTS      BACKENDS      REVISION   AGE\nsplit   echo:50051   v1=80,v2=20   7          2m\n");
    const table = resourceTable("Workload", [{ kind: "Workload", metadata: meta("w1"), spec: { service: "echo", address: "10.0.0.1", port: 80, zone: "west" } }], now);
    expect(table).toContain("SERVICE   ADDRESS       ZONE   HEALTH    SOURCE");
    expect(table).toContain("w1     echo      10.0.0.1:80   west   healthy   api");
    expect(resourceTable("Service", [], now)).toBe("No Service resources found.\n");
  });

  it("prints diffs as +, - and ~ lines", () => {
    expect(
      formatChanges([
        { path: "spec.rules[0].backendRefs[0].weight", op: "replace", from: 80, to: 0 },
        { path: "metadata.labels.team", op: "add", to: "a" },
        { path: "spec.rules[1]", op: "remove", from: { backendRefs: [] } },
      ]),
    ).toBe('~ spec.rules[0].backendRefs[0].weight: 80 -> 0\n+ metadata.labels.team: "a"\n- spec.rules[1]: {"backendRefs":[]}\n');
    expect(formatChanges([])).toBe("no changes\n");
    expect(formatChanges([{ path: "", op: "remove", from: {} }])).toBe("- (the resource was deleted)\n");
  });

  it("lists proxies with one column per xDS type and their NACK errors", () => {
    const text = formatProxies({
      items: [
        {
          proxyId: "c1",
          zone: "default",
          bridgeId: "b1",
          connected: true,
          connectedAtMs: 1,
          disconnectedAtMs: 0,
          types: {
            Cluster: { state: "SYNCED", revision: 9 },
            Listener: { state: "SYNCED", revision: 9 },
            RouteConfiguration: { state: "NACKED", revision: 10, errorDetail: "bad route" },
          },
        },
      ],
    });
    expect(text.split("\n")[0]).toBe("PROXY   ZONE      BRIDGE   CONNECTED   LISTENER   ROUTECONFIGURATION   CLUSTER");
    expect(text).toContain("c1      default   b1       yes         SYNCED@9   NACKED@10            SYNCED@9");
    expect(text).toContain("c1 RouteConfiguration NACKED at revision 10: bad route");
  });
});

describe("errors", () => {
  it("prints every field of an API error, and where the document came from", () => {
    const err = new ApiRequestError(422, { code: "invalid_field", message: "document 1: port must be 1..65535", field: "spec.ports[0].port", hint: "use a port number", document: 1 });
    expect(formatError(err)).toBe(
      "error: invalid_field (HTTP 422): document 1: port must be 1..65535\n  field: spec.ports[0].port\n  hint:  use a port number\n  document: 1\n",
    );
    expect(formatError(err.locatedAt("demo.yaml:25"))).toContain("  in:    demo.yaml:25\n");
    expect(exitCodeOf(err)).toBe(1);
  });

  it("reads error bodies that are not the API's shape", () => {
    expect(toApiErrorBody(502, "<html>Bad Gateway</html>")).toEqual({ code: "http_502", message: "<html>Bad Gateway</html>" });
    expect(toApiErrorBody(500, "")).toEqual({ code: "http_500", message: "(empty answer)" });
    expect(toApiErrorBody(404, '{"code":"not_found","message":"gone","extra":1}')).toEqual({ code: "not_found", message: "gone" });
  });

  it("prints other failures with their details", () => {
    expect(formatError(new CliError("timed out", ["proxy c1: PENDING"]))).toBe("error: timed out\n  proxy c1: PENDING\n");
    expect(exitCodeOf(new CliError("x"))).toBe(1);
  });
});

describe("reading -f sources", () => {
  it("reads a multi-document file, skipping empty documents, with the line of each", async () => {
    const file = join(dir, "bundle.yaml");
    await writeFile(file, "# demo\nkind: Service\nmetadata: {name: a}\n---\n---\nkind: Service\nmetadata: {name: b}\n");
    const docs = await readSources([file], noStdin);
    expect(docs.map((d) => [(d.document as { metadata: { name: string } }).metadata.name, d.source, d.line])).toEqual([
      ["a", file, 2],
      ["b", file, 6],
    ]);
  });

  it("reads a directory's yaml, yml and json files in name order, and nothing else", async () => {
    const sub = join(dir, "manifests");
    await mkdir(join(sub, "nested"), { recursive: true });
    await writeFile(join(sub, "b.yml"), "kind: Service\nmetadata: {name: from-b}\n");
    await writeFile(join(sub, "a.json"), JSON.stringify([{ kind: "Service", metadata: { name: "from-a1" } }, { kind: "Service", metadata: { name: "from-a2" } }]));
    await writeFile(join(sub, "c.YAML"), "kind: List\nitems:\n  - kind: Service\n    metadata: {name: from-c}\n");
    await writeFile(join(sub, "notes.txt"), "kind: Service\n");
    await writeFile(join(sub, "nested", "d.yaml"), "kind: Service\nmetadata: {name: nested}\n");
    const docs = await readSources([sub], noStdin);
    expect(docs.map((d) => (d.document as { metadata: { name: string } }).metadata.name)).toEqual(["from-a1", "from-a2", "from-b", "from-c"]);
    expect(docs[3]?.line).toBe(3);
  });

  it("reads stdin for -", async () => {
    const docs = await readSources(["-"], async () => "kind: Service\nmetadata: {name: piped}\n");
    expect(docs).toEqual([{ document: { kind: "Service", metadata: { name: "piped" } }, source: "<stdin>", line: 1 }]);
    await expect(readSources(["-", "-"], noStdin)).rejects.toBeInstanceOf(UsageError);
  });

  it("names the file, line and column of a syntax error", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(file, "kind: Service\nmetadata:\n  name: a\n  name: b\n");
    await expect(readSources([file], noStdin)).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, "\\.")}:4:3: .*[Mm]ap keys must be unique`));
  });

  it("fails clearly on missing files, empty directories and empty input", async () => {
    await expect(readSources([join(dir, "nope.yaml")], noStdin)).rejects.toThrow(/cannot read .*nope\.yaml: ENOENT/);
    await mkdir(join(dir, "empty"), { recursive: true });
    await expect(readSources([join(dir, "empty")], noStdin)).rejects.toThrow(/holds no \*\.yaml/);
    await expect(readSources(["-"], async () => "---\n")).rejects.toThrow(/no resource documents/);
  });

  it("sends the documents as one multi-document YAML body the API splits the same way", async () => {
    const docs = await readSources(["-"], async () => JSON.stringify([{ kind: "Service", metadata: { name: "a" } }, { kind: "Service", metadata: { name: "on" } }]));
    const back = parseAllDocuments(bundleBody(docs));
    expect(Array.isArray(back) ? back.map((d) => d.toJS()) : []).toEqual(docs.map((d) => d.document));
  });
});

describe("configuration", () => {
  it("takes the flag, else the environment, else the config file, else the local API", async () => {
    const file = join(dir, "config.json");
    await writeFile(file, JSON.stringify({ server: "https://file.example/", token: "file-token" }));
    const env = { EDGEPLANE_CONFIG: file };
    expect(await resolveClientConfig({}, env)).toEqual({ server: "https://file.example", token: "file-token" });
    expect(await resolveClientConfig({}, { ...env, EDGEPLANE_SERVER: "http://env:1", EDGEPLANE_TOKEN: "env-token" })).toEqual({ server: "http://env:1", token: "env-token" });
    expect(await resolveClientConfig({ server: "http://flag:2", token: "t" }, { ...env, EDGEPLANE_SERVER: "http://env:1" })).toEqual({ server: "http://flag:2", token: "t" });
    expect(await resolveClientConfig({}, { XDG_CONFIG_HOME: join(dir, "no-such") })).toEqual({ server: "http://127.0.0.1:8787" });
  });

  it("finds the file under XDG_CONFIG_HOME or ~/.config", () => {
    expect(configFilePath({ HOME: "/home/me" })).toBe("/home/me/.config/edgeplane/config.json");
    expect(configFilePath({ HOME: "/home/me", XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/edgeplane/config.json");
    expect(configFilePath({ EDGEPLANE_CONFIG: "/x.json" })).toBe("/x.json");
  });

  it("refuses a named file that is missing or malformed, and servers that are not URLs", async () => {
    await expect(resolveClientConfig({}, { EDGEPLANE_CONFIG: join(dir, "missing.json") })).rejects.toThrow(/cannot read the config file/);
    const bad = join(dir, "bad.json");
    await writeFile(bad, '{"server": 42}');
    await expect(resolveClientConfig({}, { EDGEPLANE_CONFIG: bad })).rejects.toThrow(/"server" must be a string/);
    await expect(resolveClientConfig({ server: "api:8787" }, {})).rejects.toBeInstanceOf(UsageError);
  });
});

describe("Server-Sent Events", () => {
  async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield new TextEncoder().encode(p);
  }

  it("parses events split anywhere across chunks, with any line ending", async () => {
    const events = [];
    for await (const e of readSse(chunks(": hello\nretry: 1000\n\n", "id: 1\nevent: written\r", "\ndata: {\"a\"", ":1}\r\n\r\nevent: proxy-acked\rdata: x\rdata: y\r\r", "data: no-name\n\n", "event: cut\ndata: z\n"))) events.push(e);
    expect(events).toEqual([
      { event: "written", data: '{"a":1}', id: "1" },
      { event: "proxy-acked", data: "x\ny", id: "1" },
      { event: "message", data: "no-name", id: "1" },
    ]);
  });
});

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

describe("apply --wait against a fake API", () => {
  const written = { dryRun: false, revision: 12, results: [{ kind: "HTTPRoute", mesh: "default", name: "split", action: "updated", revision: 12 }] };
  const statusPath = "/v1/meshes/default/httproutes/split/status";
  const status = (proxy: Partial<ResourceStatus["proxies"][number]>, done: boolean): ResourceStatus => ({
    kind: "HTTPRoute",
    mesh: "default",
    name: "split",
    revision: 12,
    writtenAt: "2025-06-01T12:00:00.000Z",
    deleted: false,
    zones: [{ zone: "default", appliedRevision: 12, applied: true }],
    proxies: [{ proxyId: "c1", zone: "default", bridgeId: "b1", connected: true, state: "PENDING", revision: 11, ...proxy }],
    summary: { proxies: 1, acked: done ? 1 : 0, nacked: proxy.state === "NACK" ? 1 : 0, pending: proxy.state === "PENDING" ? 1 : 0, joinedLater: 0 },
    done,
  });
  const stdin = "kind: HTTPRoute\nmetadata: {name: split}\n";

  it("polls the status until done, then prints the time from write to the last ACK", async () => {
    let reads = 0;
    const api = new FakeApi()
      .on("POST", "/v1/apply", written)
      .on("GET", statusPath, () => Response.json(++reads < 3 ? status({}, false) : status({ state: "ACK", revision: 12, writeToAckMs: 42 }, true)));
    const io = captureIo(api, { stdin });
    expect(await runCli(["apply", "-f", "-", "--wait", "--timeout", "10s"], io)).toBe(0);
    expect(reads).toBe(3);
    expect(io.out).toContain("HTTPRoute default/split revision 12: ACKed by 1 proxy, 42 ms from write to the last ACK");
    expect(io.out).toMatch(/all ACKed: 42 ms from write to the last ACK \(control plane clock\); \d+ ms from request to done here/);
    // The event stream was tried (and missing here: 404), the status decided.
    expect(api.requests.some((r) => r.path === "/v1/events" && r.query.get("kind") === "HTTPRoute" && r.query.get("name") === "split")).toBe(true);
  });

  it("exits 1 with the proxy and Envoy's error_detail on a NACK", async () => {
    const api = new FakeApi()
      .on("POST", "/v1/apply", written)
      .on("GET", statusPath, status({ state: "NACK", revision: 11, errorDetail: "route: unknown cluster", typeUrl: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration" }, false));
    const io = captureIo(api, { stdin });
    expect(await runCli(["apply", "-f", "-", "--wait"], io)).toBe(1);
    expect(io.err).toBe(
      "error: a proxy refused the new configuration (NACK)\n  proxy c1 (zone default) NACKed HTTPRoute default/split revision 12 (RouteConfiguration): route: unknown cluster\n",
    );
  });

  it("exits 1 at the timeout listing what is pending", async () => {
    const api = new FakeApi().on("POST", "/v1/apply", written).on("GET", statusPath, status({}, false));
    const io = captureIo(api, { stdin });
    const started = Date.now();
    expect(await runCli(["apply", "-f", "-", "--wait", "--timeout", "300ms"], io)).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(io.err).toBe("error: timed out after 0.3s waiting for ACKs\n  HTTPRoute default/split: proxy c1 (zone default, connected): PENDING at revision 11\n");
  });

  it("wakes up on an event instead of waiting for the next poll", async () => {
    let acked = false;
    const api = new FakeApi()
      .on("POST", "/v1/apply", written)
      .on("GET", statusPath, () => Response.json(acked ? status({ state: "ACK", revision: 12, writeToAckMs: 5 }, true) : status({}, false)))
      .on("GET", "/v1/events", () => {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(": edgeplane events\n\n"));
            setTimeout(() => {
              acked = true;
              controller.enqueue(new TextEncoder().encode('event: proxy-acked\ndata: {"proxyId":"c1","revision":12}\n\n'));
            }, 300);
          },
        });
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      });
    const io = captureIo(api, { stdin });
    const started = Date.now();
    expect(await runCli(["apply", "-f", "-", "--wait", "--timeout", "10s"], io)).toBe(0);
    // With the stream open the safety poll is 1 s: finishing well before it means the event woke the wait.
    expect(Date.now() - started).toBeLessThan(900);
    expect(api.requests.filter((r) => r.path === statusPath).length).toBeLessThanOrEqual(3);
  });

  it("says when the only proxies are disconnected, which the API counts as done", async () => {
    const away = { ...status({ connected: false }, true), summary: { proxies: 1, acked: 0, nacked: 0, pending: 1 } };
    const api = new FakeApi().on("POST", "/v1/apply", written).on("GET", statusPath, away);
    const io = captureIo(api, { stdin });
    expect(await runCli(["apply", "-f", "-", "--wait"], io)).toBe(0);
    expect(io.out).toContain("HTTPRoute default/split revision 12: no connected proxy to wait for (1 disconnected proxy will get it when back)");
  });

  it("waits only for what got a new revision, and not for zones", () => {
    expect(
      waitTargets([
        { kind: "Service", mesh: "default", name: "a", action: "created", revision: 5 },
        { kind: "Service", mesh: "default", name: "b", action: "unchanged", revision: 2 },
        { kind: "Mesh", mesh: "", name: "prod", action: "updated", revision: 6 },
        { kind: "Zone", mesh: "", name: "west", action: "created", revision: 7 },
      ]),
    ).toEqual([
      { kind: "Service", mesh: "default", name: "a", revision: 5 },
      { kind: "Mesh", mesh: "", name: "prod", revision: 6 },
    ]);
  });

  it("has nothing to wait for when nothing changed", async () => {
    const api = new FakeApi().on("POST", "/v1/apply", { dryRun: false, revision: null, results: [{ kind: "HTTPRoute", mesh: "default", name: "split", action: "unchanged", revision: 7 }] });
    const io = captureIo(api, { stdin });
    expect(await runCli(["apply", "-f", "-", "--wait"], io)).toBe(0);
    expect(io.out).toContain("nothing was written; nothing to wait for");
    expect(api.requests.filter((r) => r.path.endsWith("/status"))).toEqual([]);
  });
});

describe("schema", () => {
  it("prints a kind's JSON Schema without asking the server, and it judges documents as the API does", async () => {
    const api = new FakeApi();
    const io = captureIo(api);
    expect(await runCli(["schema", "httproutes"], io)).toBe(0);
    expect(api.requests).toEqual([]);
    const schema = JSON.parse(io.out) as { $schema: string; properties: { kind: { const: string } } };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.properties.kind.const).toBe("HTTPRoute");
    const route = (weight: unknown) => ({
      kind: "HTTPRoute",
      metadata: { name: "split" },
      spec: { parentRefs: [{ name: "echo" }], rules: [{ backendRefs: [{ name: "echo", weight }] }] },
    });
    const validator = new Validator(schema as Schema, "2020-12");
    expect(validator.validate(route(80)).valid).toBe(true);
    expect(validator.validate(route("80")).valid).toBe(true);
    expect(validator.validate(route("eighty")).valid).toBe(false);
  });

  it("takes the kind words other commands take, and refuses an unknown kind as a usage error", async () => {
    const svc = captureIo(new FakeApi());
    expect(await runCli(["schema", "SVC"], svc)).toBe(0);
    expect((JSON.parse(svc.out) as { title: string }).title).toBe("Edgeplane Service");
    const bad = captureIo(new FakeApi());
    expect(await runCli(["schema", "gizmo"], bad)).toBe(2);
    expect(bad.err).toContain('unknown kind "gizmo"; one of meshes, zones, services');
    expect(bad.err).toContain("Usage: edgeplane schema KIND");
    expect(await runCli(["schema"], captureIo(new FakeApi()))).toBe(2);
  });
});
