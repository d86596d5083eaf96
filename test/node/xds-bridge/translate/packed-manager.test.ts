import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { HttpConnectionManagerSchema } from "../../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { RouteConfigurationSchema } from "../../../../gen/envoy/config/route/v3/route_pb.js";
import { packManager, unpackManager } from "../../../../src/xds-bridge/translate/packed-manager.js";

const hcm = create(HttpConnectionManagerSchema, {
  statPrefix: "svc",
  routeSpecifier: { case: "rds", value: { routeConfigName: "svc-routes" } },
});

describe("packed managers", () => {
  it("gives back the manager translation packed, without decoding it", () => {
    const any = packManager(hcm);
    expect(unpackManager(any)).toBe(hcm);
    // The bytes say the same: what a proxy receives is what the check saw.
    const decoded = unpackManager(anyPack(HttpConnectionManagerSchema, hcm));
    expect(decoded).not.toBe(hcm);
    expect(decoded).toEqual(hcm);
  });

  it("decodes an Any packed elsewhere, and refuses one holding another message", () => {
    const foreign = anyPack(HttpConnectionManagerSchema, hcm);
    expect(unpackManager(foreign)?.routeSpecifier).toEqual({ case: "rds", value: expect.objectContaining({ routeConfigName: "svc-routes" }) });
    expect(unpackManager(anyPack(RouteConfigurationSchema, create(RouteConfigurationSchema, { name: "r" })))).toBeUndefined();
  });
});
