/**
 * Traffic policies end to end (issue 12), with real processes at every hop:
 * wrangler dev, a bridge, real gRPC echo backends and real
 * @grpc/grpc-js-xds clients. Every change goes through the API and reaches
 * the clients without restarting anything. One file, so wrangler dev starts
 * once; each check has its own Services so the checks do not interfere.
 */
import { adminHeaders } from "../../scripts/lib/api-caller.js";
import { status as grpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHO_OTHER_METHOD_PATH, EchoClient, startEchoBackend, type EchoBackend } from "../../examples/echo/echo-backend.js";
import { registerXdsClient, xdsBootstrap } from "../../examples/echo/xds-bootstrap.js";
import { startMesh, type Mesh } from "../../scripts/lib/local-mesh.js";

let mesh: Mesh;
let removeBootstrap: () => Promise<void>;
const extra: EchoBackend[] = [];
const clients: EchoClient[] = [];
let flaky: EchoBackend;
let failing: EchoBackend;
let slow: EchoBackend;

const service = (name: string, port = 50051) => ({ kind: "Service", metadata: { name }, spec: { ports: [{ port, protocol: "grpc" }] } });
const workload = (name: string, svc: string, port: number) => ({ kind: "Workload", metadata: { name }, spec: { service: svc, address: "127.0.0.1", port, zone: "default" } });
const route = (name: string, parent: string, rules: unknown[]) => ({ kind: "HTTPRoute", metadata: { name }, spec: { parentRefs: [{ name: parent }], rules } });

/** A channel of this process's xDS client (node e2e-policies). */
function client(target: string): EchoClient {
  const c = new EchoClient(target, { deadlineMs: 5_000 });
  clients.push(c);
  return c;
}

/** A channel with an xDS client of its own: another proxy, connecting now. */
function newProxy(target: string, nodeId: string, meshName = "default"): EchoClient {
  const bootstrap = JSON.stringify(xdsBootstrap({ serverAddress: `127.0.0.1:${mesh.adsPort}`, nodeId, mesh: meshName }));
  const c = new EchoClient(target, { deadlineMs: 5_000, channelOptions: { "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": bootstrap } });
  clients.push(c);
  return c;
}

async function apply(docs: unknown[]): Promise<Record<string, unknown>> {
  const res = await mesh.api("POST", "/v1/apply", docs);
  if (res.status !== 200) throw new Error(`apply refused: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Outcome of one call: the backend's name, or the gRPC status code it failed with. */
async function outcome(c: EchoClient, opts: { method?: string; metadata?: Record<string, string> } = {}): Promise<string> {
  try {
    return (await c.callFull("ping", opts)).backend;
  } catch (err) {
    return `code ${(err as { code?: number }).code ?? "?"}`;
  }
}

/** Calls until `pred` holds for one outcome (a pushed change takes a moment), or fails after `ms`. */
async function until(c: EchoClient, pred: (o: string) => boolean, opts: { method?: string; metadata?: Record<string, string> } = {}, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = "";
  while (Date.now() < deadline) {
    last = await outcome(c, opts);
    if (pred(last)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never saw the expected outcome; last was ${last}`);
}

async function tally(c: EchoClient, n: number, opts: { method?: string; metadata?: Record<string, string> } = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const o = await outcome(c, opts);
    counts[o] = (counts[o] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  mesh = await startMesh();
  flaky = await startEchoBackend("flaky", 0, "127.0.0.1", { failFirstAttempt: true });
  failing = await startEchoBackend("pool-bad");
  slow = await startEchoBackend("slow", 0, "127.0.0.1", { delayMs: 600 });
  extra.push(flaky, failing, slow);
  const [a, b] = mesh.backends as [EchoBackend, EchoBackend];
  await apply([
    service("svc-a"), workload("svc-a-1", "svc-a", a.port),
    service("svc-b"), workload("svc-b-1", "svc-b", b.port),
    service("faulty"), workload("faulty-1", "faulty", a.port),
    service("flaky"), workload("flaky-1", "flaky", flaky.port),
    service("by-method"), service("by-header"), service("smi"),
    service("pool"), workload("pool-good", "pool", b.port), workload("pool-bad", "pool", failing.port),
    service("slow"), workload("slow-1", "slow", slow.port),
    service("lb"), workload("lb-1", "lb", a.port),
  ]);
  const boot = await registerXdsClient({ serverAddress: `127.0.0.1:${mesh.adsPort}`, nodeId: "e2e-policies" });
  removeBootstrap = boot.remove;
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await mesh?.stop();
  await Promise.all(extra.map((b) => b.close()));
  await removeBootstrap?.();
});

describe("fault injection", () => {
  it("aborts every call with the configured gRPC status at 100 %, and about half of 400 calls at 50 %", async () => {
    const c = client("xds:///faulty");
    expect(await outcome(c)).toBe("echo-v1-a");
    const fault = (percentage: number) => route("faulty", "faulty", [{ fault: { abort: { percentage, grpcStatus: "PERMISSION_DENIED" } }, backendRefs: [{ name: "faulty" }] }]);
    await apply([fault(100)]);
    await until(c, (o) => o === `code ${grpcStatus.PERMISSION_DENIED}`);
    expect(await tally(c, 20)).toEqual({ [`code ${grpcStatus.PERMISSION_DENIED}`]: 20 });
    await apply([fault(50)]);
    await until(c, (o) => o === "echo-v1-a");
    const counts = await tally(c, 400);
    const failed = counts[`code ${grpcStatus.PERMISSION_DENIED}`] ?? 0;
    expect(failed + (counts["echo-v1-a"] ?? 0)).toBe(400);
    expect(failed / 400).toBeGreaterThan(0.4);
    expect(failed / 400).toBeLessThan(0.6);
  });

  it("adds at least the fixed delay", async () => {
    const c = client("xds:///faulty");
    await apply([route("faulty", "faulty", [{ fault: { delay: { fixedDelay: "300ms" } }, backendRefs: [{ name: "faulty" }] }])]);
    const timed = async () => {
      const started = Date.now();
      const o = await outcome(c);
      return { o, ms: Date.now() - started };
    };
    // Until the new route is in force (the previous one aborted half the calls, with no delay).
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await timed()).ms < 300);
    const next = await Promise.all([timed(), timed(), timed(), timed(), timed()]);
    expect(next.map((t) => t.o)).toEqual(Array(5).fill("echo-v1-a"));
    for (const t of next) expect(t.ms).toBeGreaterThanOrEqual(300);
  });
});

describe("retries", () => {
  it("a backend failing every first attempt is exposed without a retry policy and hidden by one", async () => {
    const c = client("xds:///flaky");
    await apply([route("flaky", "flaky", [{ backendRefs: [{ name: "flaky" }] }])]);
    expect(await tally(c, 10)).toEqual({ [`code ${grpcStatus.UNAVAILABLE}`]: 10 });
    // HTTP 503 is what gRPC calls UNAVAILABLE: the client gets retry_on "unavailable".
    const put = await mesh.api("PUT", "/v1/meshes/default/httproutes/flaky", route("flaky", "flaky", [{ retry: { attempts: 2, codes: [503] }, backendRefs: [{ name: "flaky" }] }]));
    expect(put.status).toBe(200);
    await until(c, (o) => o === "flaky");
    expect(await tally(c, 20)).toEqual({ flaky: 20 });
  });
});

describe("routing", () => {
  it("a GRPCRoute sends two methods of one service to two backends", async () => {
    const grpcRoute = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GRPCRoute",
      metadata: { name: "by-method" },
      spec: {
        parentRefs: [{ group: "", kind: "Service", name: "by-method", port: 50051 }],
        rules: [
          { matches: [{ method: { service: "edgeplane.demo.Echo", method: "Call" } }], backendRefs: [{ name: "svc-a", port: 50051 }] },
          { matches: [{ method: { service: "edgeplane.demo.Echo", method: "Other" } }], backendRefs: [{ name: "svc-b", port: 50051 }] },
        ],
      },
    };
    await apply([grpcRoute]);
    const c = client("xds:///by-method");
    await until(c, (o) => o === "echo-v1-a");
    await until(c, (o) => o === "echo-v2-a", { method: ECHO_OTHER_METHOD_PATH });
    expect(await tally(c, 20)).toEqual({ "echo-v1-a": 20 });
    expect(await tally(c, 20, { method: ECHO_OTHER_METHOD_PATH })).toEqual({ "echo-v2-a": 20 });
  });

  it("a header match steers calls that carry a metadata key", async () => {
    await apply([route("by-header", "by-header", [{ matches: [{ headers: [{ name: "x-tenant", value: "beta" }] }], backendRefs: [{ name: "svc-b" }] }, { backendRefs: [{ name: "svc-a" }] }])]);
    const c = client("xds:///by-header");
    await until(c, (o) => o === "echo-v2-a", { metadata: { "x-tenant": "beta" } });
    expect(await tally(c, 20, { metadata: { "x-tenant": "beta" } })).toEqual({ "echo-v2-a": 20 });
    expect(await tally(c, 20, { metadata: { "x-tenant": "alpha" } })).toEqual({ "echo-v1-a": 20 });
    expect(await tally(c, 20)).toEqual({ "echo-v1-a": 20 });
  });

  it("an SMI TrafficSplit's weights are observed within 5 points over 1,000 calls", async () => {
    const split = { apiVersion: "split.smi-spec.io/v1alpha2", kind: "TrafficSplit", metadata: { name: "smi-split" }, spec: { service: "smi", backends: [{ service: "svc-a", weight: 70 }, { service: "svc-b", weight: 30 }] } };
    const body = await apply([split]);
    expect((body.converted as { from: string }[])[0]?.from).toBe("split.smi-spec.io/v1alpha2 TrafficSplit");
    const c = client("xds:///smi");
    await until(c, (o) => o === "echo-v2-a");
    const counts = await tally(c, 1000);
    expect((counts["echo-v1-a"] ?? 0) + (counts["echo-v2-a"] ?? 0)).toBe(1000);
    expect(Math.abs((counts["echo-v1-a"] ?? 0) / 1000 - 0.7)).toBeLessThan(0.05);
  });

  it("a GAMMA HTTPRoute as Gateway API's mesh examples write it applies unchanged", async () => {
    const [a, b] = mesh.backends as [EchoBackend, EchoBackend];
    await mesh.api("PUT", "/v1/meshes/faces", { kind: "Mesh", metadata: { name: "faces" } });
    const svc = (name: string) => ({ kind: "Service", metadata: { name, namespace: "faces" }, spec: { ports: [{ port: 80, protocol: "grpc" }] } });
    const wl = (name: string, svcName: string, port: number) => ({ kind: "Workload", metadata: { name, namespace: "faces" }, spec: { service: svcName, address: "127.0.0.1", port, zone: "default" } });
    await apply([svc("smiley"), svc("smiley2"), wl("smiley-1", "smiley", a.port), wl("smiley2-1", "smiley2", b.port)]);
    // The GAMMA smiley route, as written (apiVersion, namespace, group "" Service parent, port 80).
    const gamma = [
      "apiVersion: gateway.networking.k8s.io/v1",
      "kind: HTTPRoute",
      "metadata:",
      "  name: smiley-route",
      "  namespace: faces",
      "spec:",
      "  parentRefs:",
      "    - kind: Service",
      '      group: ""',
      "      name: smiley",
      "      port: 80",
      "  rules:",
      "    - backendRefs:",
      "        - name: smiley2",
      '          group: ""',
      "          port: 80",
      "          weight: 50",
      "        - name: smiley",
      '          group: ""',
      "          port: 80",
      "          weight: 50",
      "",
    ].join("\n");
    const res = await fetch(`${mesh.wrangler.url}/v1/apply`, { method: "POST", headers: { ...adminHeaders(mesh.wrangler), "content-type": "application/yaml" }, body: gamma });
    expect(res.status).toBe(200);
    const c = newProxy("xds:///smiley:80", "faces-client", "faces");
    const counts = await tally(c, 200);
    expect((counts["echo-v1-a"] ?? 0) + (counts["echo-v2-a"] ?? 0)).toBe(200);
    expect(counts["echo-v2-a"]).toBeGreaterThan(60);
    expect(counts["echo-v1-a"]).toBeGreaterThan(60);
  });
});

describe("backends", () => {
  it("outlier detection stops sending to a backend that keeps failing, and sends again after the ejection time", async () => {
    const c = client("xds:///pool");
    await until(c, (o) => o === "pool-bad");
    const policy = {
      kind: "BackendPolicy",
      metadata: { name: "pool-outliers" },
      spec: { targetRef: { kind: "Service", name: "pool" }, outlierDetection: { consecutiveErrors: 5, interval: "1s", baseEjectionTime: "3s", maxEjectionPercent: 100 } },
    };
    const put = await mesh.api("PUT", "/v1/meshes/default/backendpolicies/pool-outliers", policy);
    expect(put.status).toBe(201);
    expect((put.body.warnings as { field: string }[]).map((w) => w.field)).toEqual(["spec.outlierDetection.consecutiveErrors"]);
    // Give the client the policy before the failures start, then let it judge an interval of them.
    await new Promise((r) => setTimeout(r, 1_000));
    failing.setFailing(true);
    const deadline = Date.now() + 20_000;
    let clean = 0;
    while (Date.now() < deadline && clean < 30) clean = (await outcome(c)) === "echo-v2-a" ? clean + 1 : 0;
    expect(clean).toBe(30);
    failing.setFailing(false);
    await until(c, (o) => o === "pool-bad", {}, 20_000);
  });

  it("circuit breaking (maxRequests) rejects calls beyond the limit", async () => {
    const c = client("xds:///slow");
    expect(await outcome(c)).toBe("slow");
    const put = await mesh.api("PUT", "/v1/meshes/default/backendpolicies/slow-breaker", {
      kind: "BackendPolicy",
      metadata: { name: "slow-breaker" },
      spec: { targetRef: { kind: "Service", name: "slow" }, circuitBreaker: { maxRequests: 2 } },
    });
    expect(put.status).toBe(201);
    const deadline = Date.now() + 15_000;
    let results: string[] = [];
    while (Date.now() < deadline) {
      // Started a tick apart: calls started in the same tick all pass grpc-js's counter.
      const calls: Promise<string>[] = [];
      for (let i = 0; i < 6; i++) {
        calls.push(outcome(c));
        await new Promise((r) => setTimeout(r, 30));
      }
      results = await Promise.all(calls);
      if (results.some((r) => r !== "slow")) break;
    }
    const passed = results.filter((r) => r === "slow").length;
    expect(passed).toBeGreaterThanOrEqual(1);
    expect(passed).toBeLessThanOrEqual(2);
    expect(results.filter((r) => r !== "slow").every((r) => r === `code ${grpcStatus.UNAVAILABLE}`)).toBe(true);
  });

  it("a balancer proxyless clients lack is warned about and never reaches a client that connects afterwards as something it refuses (hardening 2)", async () => {
    const first = client("xds:///lb");
    expect(await outcome(first)).toBe("echo-v1-a");
    const put = await mesh.api("PUT", "/v1/meshes/default/backendpolicies/lb-policy", {
      kind: "BackendPolicy",
      metadata: { name: "lb-policy" },
      spec: { targetRef: { kind: "Service", name: "lb" }, loadBalancer: { type: "LeastRequest" } },
    });
    expect(put.status).toBe(201);
    expect((put.body.warnings as { field: string; proxies: string }[])[0]).toMatchObject({ field: "spec.loadBalancer.type", proxies: "proxyless" });
    const revision = (put.body.metadata as { revision: number }).revision;
    await mesh.bridge.waitFor((e) => e.event === "ack" && e.proxy === "e2e-policies" && String(e.type).endsWith(".Cluster") && Number(String(e.version).split(".")[0]) >= revision);
    expect(mesh.bridge.events.some((e) => e.event === "nack" && e.proxy === "e2e-policies")).toBe(false);
    const later = newProxy("xds:///lb", "late-joiner");
    expect(await tally(later, 20)).toEqual({ "echo-v1-a": 20 });
    expect(await tally(first, 20)).toEqual({ "echo-v1-a": 20 });
  });
});
