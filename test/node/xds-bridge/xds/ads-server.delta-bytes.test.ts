import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Cluster_LbPolicy } from "../../../../gen/envoy/config/cluster/v3/cluster_pb.js";
import {
  DeltaDiscoveryResponseSchema,
  DiscoveryResponseSchema,
} from "../../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { TYPE_URL, type XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { useAdsFixture } from "../../support/ads-fixture.js";
import { apiListener, edsCluster, loadAssignment, routeTo } from "../../support/echo-xds-resources.js";
import { RawAdsClient } from "../../support/raw-ads-client.js";
import { deltaNamesOf, RawDeltaClient } from "../../support/raw-delta-client.js";

const SERVICES = 200;
const MESH = "bytes";

const fx = useAdsFixture({ expectNoServerErrors: false });
const { cache, recorder, serverErrors } = fx;

/** SERVICES services svc-N, each with its listener, route, cluster and endpoints; `ringHash` changes one cluster. */
function manyServices(ringHash?: string): XdsResources {
  const r: XdsResources = { listeners: [], routes: [], clusters: [], endpoints: [] };
  for (let i = 1; i <= SERVICES; i++) {
    const s = `svc-${i}`;
    r.listeners.push(apiListener(s));
    r.routes.push(routeTo(s, `${s}-c`));
    r.clusters.push(edsCluster(`${s}-c`, s === ringHash ? Cluster_LbPolicy.RING_HASH : Cluster_LbPolicy.ROUND_ROBIN));
    r.endpoints.push(loadAssignment(`${s}-c`, [{ port: 10_000 + i }]));
  }
  return r;
}

/** onResponse's byte count for a proxy's CDS response at `version`. */
function cdsBytes(proxyId: string, version: string): number | undefined {
  return recorder.of("response", proxyId).find((e) => e.typeUrl === TYPE_URL.cluster && e.version === version)?.bytes;
}

describe("delta vs state-of-the-world push size", () => {
  it("re-sends one cluster in under 2% of the bytes SotW needs for the same change", async () => {
    cache.setSnapshot(MESH, new Snapshot(manyServices(), "v1"));
    const delta = RawDeltaClient.connect(fx.ads.address, { id: "bytes-delta", mesh: MESH });
    const sotw = RawAdsClient.connect(fx.ads.address, { id: "bytes-sotw", mesh: MESH });
    try {
      delta.subscribe(TYPE_URL.cluster);
      expect((await delta.nextAcked(TYPE_URL.cluster)).resources).toHaveLength(SERVICES);
      sotw.subscribe(TYPE_URL.cluster);
      const initial = await sotw.next(TYPE_URL.cluster);
      expect(initial.resources).toHaveLength(SERVICES);
      sotw.ack(initial);

      cache.setSnapshot(MESH, new Snapshot(manyServices("svc-100"), "v2"));
      const deltaPush = await delta.nextAcked(TYPE_URL.cluster);
      expect(deltaNamesOf(deltaPush)).toEqual(["svc-100-c"]);
      const sotwPush = await sotw.next(TYPE_URL.cluster);
      expect(sotwPush.resources).toHaveLength(SERVICES);

      // setSnapshot queues both pushes before returning, so both are recorded.
      const deltaBytes = cdsBytes("bytes-delta", "v2") ?? Number.NaN;
      const sotwBytes = cdsBytes("bytes-sotw", "v2") ?? Number.NaN;
      console.log(
        `one cluster changed among ${SERVICES}: delta push ${deltaBytes} B, SotW push ${sotwBytes} B ` +
          `(${((100 * deltaBytes) / sotwBytes).toFixed(2)}%); whole messages on the wire: ` +
          `${toBinary(DeltaDiscoveryResponseSchema, deltaPush).byteLength} B vs ` +
          `${toBinary(DiscoveryResponseSchema, sotwPush).byteLength} B`,
      );
      expect(deltaBytes).toBeGreaterThan(0);
      expect(deltaBytes).toBeLessThan(0.02 * sotwBytes);
      expect(serverErrors).toEqual([]);
    } finally {
      delta.cancel();
      sotw.cancel();
    }
  });
});
