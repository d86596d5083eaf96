import { describe, expect, it } from "vitest";

describe("push order", () => {
  it("sends clusters before endpoints and listeners before routes, whatever the subscription order", async () => {
    const { inPushOrder } = await import("../../../../src/xds-bridge/xds/resource-kinds.js");
    const { TYPE_URL } = await import("../../../../src/xds-bridge/xds-resources.js");
    const subscribed = new Map([TYPE_URL.route, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.cluster].map((t) => [t, 0]));
    expect(inPushOrder(subscribed).map(([t]) => t)).toEqual([TYPE_URL.cluster, TYPE_URL.endpoint, TYPE_URL.listener, TYPE_URL.route]);
  });
});
