import { describe, expect, it } from "vitest";
import type { Resource } from "../../../../src/contract/resource-types.js";
import { ZoneModel } from "../../../../src/contract/zone-model.js";
import { checkConsistency, translateMesh } from "../../../../src/xds-bridge/translate/index.js";
import { expectGolden, goldenCases, goldenDir, readGoldenInput } from "../../support/golden.js";
import { expectBinaryRoundTrip, renderXdsJson } from "../../support/xds-json.js";
import { XDS_REGISTRY } from "../../support/xds-registry.js";

/*
 * Kuma-style golden tests: test/golden/<case>/input.yaml -> xds.json.
 * Regenerate with UPDATE_GOLDEN=1, then review the diff by eye.
 */
const GOLDEN_DIR = goldenDir("golden");
// Any fields (api_listener, typed_config) render only for types the registry knows.
const registry = XDS_REGISTRY;

const cases = goldenCases(GOLDEN_DIR);

interface GoldenInput {
  mesh: string;
  resources: Resource[];
}

/** Documents without metadata.mesh belong to "default"; the case's mesh comes from `# mesh: NAME`. */
function readInput(caseName: string): GoldenInput {
  const { header, resources } = readGoldenInput(GOLDEN_DIR, caseName, ["mesh"]);
  return { mesh: header.get("mesh") ?? "default", resources };
}

describe("translateMesh golden files", () => {
  it("has golden cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  describe.each(cases)("%s", (caseName) => {
    it("matches xds.json", () => {
      const { mesh, resources } = readInput(caseName);
      const actual = renderXdsJson(translateMesh(ZoneModel.of(resources), mesh), registry);
      expectGolden(GOLDEN_DIR, caseName, "xds.json", actual);
    });

    it("is consistent", () => {
      const { mesh, resources } = readInput(caseName);
      expect(checkConsistency(translateMesh(ZoneModel.of(resources), mesh))).toEqual([]);
    });

    it("does not depend on input order", () => {
      const { mesh, resources } = readInput(caseName);
      const forward = renderXdsJson(translateMesh(ZoneModel.of(resources), mesh), registry);
      const reversed = renderXdsJson(translateMesh(ZoneModel.of([...resources].reverse()), mesh), registry);
      expect(reversed).toBe(forward);
    });

    it("round-trips every message through the binary encoding", () => {
      const { mesh, resources } = readInput(caseName);
      expectBinaryRoundTrip(translateMesh(ZoneModel.of(resources), mesh));
    });
  });
});
