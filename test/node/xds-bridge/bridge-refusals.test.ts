/**
 * What the bridge keeps from proxies (hardening 1 and 2), with no server:
 * the transport-free SotW stream, the snapshot cache and the publisher.
 * - A route regex some proxy cannot compile is not served: the publisher
 *   holds its route configuration back and every proxy reports it held.
 * - After one proxy refuses a resource, a proxy of the same snapshot key that
 *   connects later starts on what the first accepted, not on the refused one.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import type { Resource } from "../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../src/contract/zone-model.js";
import { DiscoveryRequestSchema, type DiscoveryResponse } from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { jsonLogger } from "../../../src/xds-bridge/logger.js";
import { SnapshotPublisher } from "../../../src/xds-bridge/snapshot-publisher.js";
import { translateMesh } from "../../../src/xds-bridge/translate/index.js";
import { TYPE_URL } from "../../../src/xds-bridge/xds-resources.js";
import { SotwAdsStream } from "../../../src/xds-bridge/xds/ads-sotw-stream.js";
import type { HeldState } from "../../../src/xds-bridge/xds/poison-holds.js";
import { guardCallbacks } from "../../../src/xds-bridge/xds/proxy-callbacks.js";
import { SnapshotCache } from "../../../src/xds-bridge/xds/snapshot-cache.js";
import { Snapshot } from "../../../src/xds-bridge/xds/snapshot.js";

const echo: Resource = { kind: "Service", metadata: { name: "echo", mesh: "default" }, spec: { ports: [{ port: 50051 }] } };
/** Built by hand, past validation, as a zone that checks less (an older API) could send it. */
const regexRoute = (value: string): Resource => ({
  kind: "HTTPRoute",
  metadata: { name: "re", mesh: "default" },
  spec: { parentRefs: [{ name: "echo" }], rules: [{ matches: [{ headers: [{ type: "RegularExpression", name: "x", value }] }], backendRefs: [{ name: "echo" }] }] },
});

function stream(cache: SnapshotCache, id: number, nodeId: string) {
  const sent: DiscoveryResponse[] = [];
  const held: HeldState[] = [];
  const callbacks = guardCallbacks({ onHeld: (_p, _t, h) => held.push(h) }, (err) => {
    throw err;
  });
  const s = new SotwAdsStream({ streamId: id, cache, callbacks, send: (r) => sent.push(r), fail: (e) => {
    throw e;
  } });
  const request = (typeUrl: string, names: string[], nonce = "", error?: string) =>
    s.handleRequest(
      create(DiscoveryRequestSchema, {
        node: { id: nodeId, metadata: { fields: { mesh: { kind: { case: "stringValue", value: "default" } } } } },
        typeUrl,
        resourceNames: names,
        responseNonce: nonce,
        ...(error ? { errorDetail: { code: 3, message: error } } : {}),
      }),
    );
  return { s, sent, held, request };
}

function publisherOver(cache: SnapshotCache, model: { current: ZoneModel }) {
  const lines: string[] = [];
  const log = jsonLogger("info", (l) => void lines.push(l));
  const publisher = new SnapshotPublisher({
    localZone: "default",
    cache,
    mirror: { get model() { return model.current; } },
    endpoints: { version: 0, mergedWith: (m: ZoneModel) => m },
    discovery: { list: () => [], seq: 0 },
    log,
  });
  return { publisher, lines };
}

describe("a regex no proxy could compile (hardening 1, bridge side)", () => {
  it("is not served: the route configuration stays on its last good version and proxies report it held", () => {
    const cache = new SnapshotCache();
    const model = { current: ZoneModel.of([echo, regexRoute("v[0-9]+")], 1) };
    const { publisher, lines } = publisherOver(cache, model);
    publisher.publish(new Set(["default"]));
    const p = stream(cache, 1, "client-1");
    p.request(TYPE_URL.route, ["echo:50051"]);
    const good = p.sent.at(-1)!;
    expect(p.held).toEqual([]);

    model.current = ZoneModel.of([echo, regexRoute("a\\Z")], 2);
    publisher.publish(new Set(["default"]));
    expect(lines.some((l) => l.includes("route_regex_refused"))).toBe(true);
    const snapshot = cache.getSnapshot("default")!;
    expect(snapshot.refused.get(TYPE_URL.route)?.names).toEqual(["echo:50051"]);
    // The proxy got nothing new for RDS (what it has is what it keeps) and reports the hold.
    expect(p.sent.at(-1)).toBe(good);
    expect(p.held.at(-1)).toMatchObject({ names: ["echo:50051"], errorDetail: expect.stringContaining("not served by the bridge") });
    expect(snapshot.resources(TYPE_URL.route).get("echo:50051")?.any.value).toEqual(good.resources[0]?.value);

    // Fixed: served again, and the hold is reported gone.
    model.current = ZoneModel.of([echo, regexRoute("b+")], 3);
    publisher.publish(new Set(["default"]));
    expect(p.sent.at(-1)).not.toBe(good);
    expect(p.held.at(-1)?.names).toEqual([]);
  });

  it("a new route configuration with such a regex goes out without the offending route", () => {
    const cache = new SnapshotCache();
    const { publisher } = publisherOver(cache, { current: ZoneModel.of([echo, regexRoute("[]")], 1) });
    publisher.publish(new Set(["default"]));
    const p = stream(cache, 1, "client-1");
    p.request(TYPE_URL.route, ["echo:50051"]);
    expect(p.sent).toHaveLength(1);
    expect(p.held.at(-1)?.names).toEqual(["echo:50051"]);
  });
});

describe("a proxy connecting after another refused a resource (hardening 2)", () => {
  it("starts on what the other accepted, reports the hold, and gets the fix like everyone", () => {
    const cache = new SnapshotCache();
    const model = (lb?: "RingHash") =>
      translateMesh(ZoneModel.of([echo, ...(lb ? [{ kind: "BackendPolicy", metadata: { name: "p", mesh: "default" }, spec: { targetRef: { kind: "Service", name: "echo" }, loadBalancer: { type: lb } } } as Resource] : [])]), "default");
    cache.setSnapshot("default", new Snapshot(model(), "1.0.0"));
    const first = stream(cache, 1, "client-1");
    first.request(TYPE_URL.cluster, []);
    const accepted = first.sent.at(-1)!;
    first.request(TYPE_URL.cluster, [], accepted.nonce);
    cache.setSnapshot("default", new Snapshot(model("RingHash"), "2.0.0", cache.getSnapshot("default")));
    const refused = first.sent.at(-1)!;
    expect(refused.resources[0]?.value).not.toEqual(accepted.resources[0]?.value);
    first.request(TYPE_URL.cluster, [], refused.nonce, "unsupported lb_policy: RING_HASH");
    expect(first.sent.at(-1)?.resources[0]?.value).toEqual(accepted.resources[0]?.value);

    const later = stream(cache, 2, "client-2");
    later.request(TYPE_URL.cluster, []);
    expect(later.sent.at(-1)?.resources[0]?.value).toEqual(accepted.resources[0]?.value);
    expect(later.held.at(-1)).toMatchObject({ names: ["outbound|50051||echo.default"], errorDetail: "unsupported lb_policy: RING_HASH" });

    cache.setSnapshot("default", new Snapshot(model(), "3.0.0", cache.getSnapshot("default")));
    const third = stream(cache, 3, "client-3");
    third.request(TYPE_URL.cluster, []);
    expect(third.held).toEqual([]);
    expect(later.held.at(-1)?.names).toEqual([]);
  });
});
