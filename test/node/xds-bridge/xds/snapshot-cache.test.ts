import { describe, expect, it } from "vitest";
import { Snapshot } from "../../../../src/xds-bridge/xds/snapshot.js";
import { SnapshotCache } from "../../../../src/xds-bridge/xds/snapshot-cache.js";
import type { XdsResources } from "../../../../src/xds-bridge/xds-resources.js";
import { echoXdsResources } from "../../support/echo-xds-resources.js";

const base = (): XdsResources => echoXdsResources({ backends: [{ port: 1111 }] });

describe("SnapshotCache", () => {
  it("stores one snapshot per mesh", () => {
    const cache = new SnapshotCache();
    expect(cache.getSnapshot("default")).toBeUndefined();
    const a = new Snapshot(base(), "a1");
    const b = new Snapshot(base(), "b1");
    cache.setSnapshot("default", a);
    cache.setSnapshot("payments", b);
    expect(cache.getSnapshot("default")).toBe(a);
    expect(cache.getSnapshot("payments")).toBe(b);
    expect(cache.meshes()).toEqual(["default", "payments"]);
  });

  it("notifies only the watchers of the mesh that changed, until they unsubscribe", () => {
    const cache = new SnapshotCache();
    const seen: string[] = [];
    const stopDefault = cache.watch("default", (s) => seen.push(`default:${s.version}`));
    cache.watch("payments", (s) => seen.push(`payments:${s.version}`));
    cache.setSnapshot("payments", new Snapshot(base(), "p1"));
    cache.setSnapshot("default", new Snapshot(base(), "d1"));
    stopDefault();
    stopDefault();
    cache.setSnapshot("default", new Snapshot(base(), "d2"));
    expect(seen).toEqual(["payments:p1", "default:d1"]);
    expect(cache.watcherCount("default")).toBe(0);
    expect(cache.watcherCount("payments")).toBe(1);
  });

  it("lets a watcher unsubscribe while being notified, and one failing watcher not starve the others", () => {
    const cache = new SnapshotCache();
    const seen: string[] = [];
    const stop = cache.watch("m", () => {
      seen.push("first");
      stop();
    });
    cache.watch("m", () => {
      throw new Error("boom");
    });
    cache.watch("m", () => seen.push("third"));
    expect(() => cache.setSnapshot("m", new Snapshot(base(), "1"))).toThrow(AggregateError);
    expect(seen).toEqual(["first", "third"]);
    expect(cache.watcherCount("m")).toBe(2);
  });
});
