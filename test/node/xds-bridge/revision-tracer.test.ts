import { describe, expect, it } from "vitest";
import { RevisionTracer } from "../../../src/xds-bridge/revision-tracer.js";
import type { ProxyInfo } from "../../../src/xds-bridge/xds/proxy-callbacks.js";
import { create } from "@bufbuild/protobuf";
import { NodeSchema } from "../../../gen/envoy/config/core/v3/base_pb.js";

const proxy = (id: string, streamId: number): ProxyInfo => ({ id, mesh: "default", streamId, node: create(NodeSchema, { id }) });
const CLOCK = { offsetMs: 250, rttMs: 1.5 };
const LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
const RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

function tracerAt(): { tracer: RevisionTracer; at: (ms: number) => void } {
  let now = 0;
  return { tracer: new RevisionTracer(() => now), at: (ms) => (now = ms) };
}

describe("RevisionTracer", () => {
  it("records the update's hops and each proxy's push and full ACK at that revision", () => {
    const { tracer, at } = tracerAt();
    const cb = tracer.callbacks();
    at(100);
    tracer.received(7);
    at(103);
    tracer.translated(7);
    at(104);
    cb.onResponse!(proxy("a", 1), LDS, "7.0.0", "n1", 10);
    cb.onResponse!(proxy("a", 1), RDS, "7.0.0", "n2", 10);
    at(105);
    cb.onResponse!(proxy("b", 2), RDS, "7.0.0", "n3", 10);
    // A response at another revision is not this update's.
    cb.onResponse!(proxy("c", 3), RDS, "6.0.0", "n4", 10);
    tracer.published(7);
    at(110);
    cb.onAck!(proxy("a", 1), LDS, "7.0.0");
    at(112);
    cb.onAck!(proxy("b", 2), RDS, "7.0.0");
    expect(tracer.drain(CLOCK)).toMatchObject({
      revision: 7n,
      zoneMinusBridgeMs: 250,
      clockRttMs: 1.5,
      receivedMs: 100,
      translatedMs: 103,
      publishedMs: 105,
      proxiesPushed: 2,
      proxiesAcked: 1,
      firstPushMs: 104,
      lastPushMs: 105,
      lastAckMs: 112,
      // "a" still waits for its RDS ACK: it is the slowest, with no ACK time.
      slowestProxy: "a",
      slowestPushedMs: 104,
      slowestAckedMs: 0,
    });
    // Nothing new: nothing to send.
    expect(tracer.drain(CLOCK)).toBeUndefined();
    at(130);
    cb.onAck!(proxy("a", 1), RDS, "7.0.0");
    expect(tracer.drain(CLOCK)).toMatchObject({ proxiesAcked: 2, lastAckMs: 130, slowestProxy: "a", slowestAckedMs: 130 });
  });

  it("waits for a clock sample before reporting, and starts over with the next update", () => {
    const { tracer, at } = tracerAt();
    at(1);
    tracer.received(8);
    expect(tracer.drain(undefined)).toBeUndefined();
    expect(tracer.drain(CLOCK)).toMatchObject({ revision: 8n, proxiesPushed: 0, slowestProxy: "" });
    at(2);
    tracer.received(9);
    // A later chunk of the same update does not restart it.
    at(3);
    tracer.received(9);
    tracer.published(8);
    expect(tracer.drain(CLOCK)).toMatchObject({ revision: 9n, receivedMs: 2, publishedMs: 0 });
  });
});
