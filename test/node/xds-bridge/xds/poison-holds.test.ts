import { create } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { PoisonHolds } from "../../../../src/xds-bridge/xds/poison-holds.js";
import type { EncodedResource } from "../../../../src/xds-bridge/xds/snapshot.js";

const r = (name: string, hash: string): EncodedResource => ({ name, hash, any: create(AnySchema, { typeUrl: "t", value: new Uint8Array([hash.length]) }) });

describe("PoisonHolds", () => {
  it("holds what changed since the last accepted response on its accepted version", () => {
    const holds = new PoisonHolds();
    const acked = new Map([["a", r("a", "a1")], ["b", r("b", "b1")]]);
    expect(holds.onNack([r("a", "a2"), r("b", "b1"), r("c", "c1")], acked, "9.0.0", "bad lb")).toBe(true);
    expect(holds.state()).toEqual({ names: ["a", "c"], rejectedVersion: "9.0.0", errorDetail: "bad lb" });
    // a is kept on a1, c (never accepted) is left out, b passes.
    expect(holds.apply([r("a", "a2"), r("b", "b2"), r("c", "c1")]).resources.map((x) => x.hash)).toEqual(["a1", "b2"]);
  });

  it("releases a hold when its resource changes or leaves", () => {
    const holds = new PoisonHolds();
    holds.onNack([r("a", "a2"), r("c", "c1")], new Map([["a", r("a", "a1")]]), "9.0.0", "bad");
    const out = holds.apply([r("a", "a3")]);
    expect(out.released).toBe(true);
    expect(out.resources.map((x) => x.hash)).toEqual(["a3"]);
    expect(holds.active).toBe(false);
  });

  it("places nothing when the refused response held nothing new (no endless re-push)", () => {
    const holds = new PoisonHolds();
    const acked = new Map([["a", r("a", "a1")]]);
    expect(holds.onNack([r("a", "a1")], acked, "9.0.0", "bad")).toBe(false);
    expect(holds.active).toBe(false);
  });
});
