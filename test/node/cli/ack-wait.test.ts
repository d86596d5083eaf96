/** `apply --wait` (`ack-wait.ts`, `commands/apply.ts`) against a fake API: status as judge, events as wake-up. */
import { describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../../src/contract/rollout.js";
import { runCli } from "../../../src/cli/cli.js";
import { waitTargets } from "../../../src/cli/commands/apply.js";
import { captureIo, FakeApi } from "../support/cli-fake-api.js";

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
    trace: { revision: 12, zones: [] },
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
