/** `edgeplane schema KIND`: a kind's JSON Schema without a server. */
import { Validator, type Schema } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../../src/cli/cli.js";
import { captureIo, FakeApi } from "../../support/cli-fake-api.js";

describe("schema", () => {
  it("prints a kind's JSON Schema without asking the server, and it judges documents as the API does", async () => {
    const api = new FakeApi();
    const io = captureIo(api);
    expect(await runCli(["schema", "httproutes"], io)).toBe(0);
    expect(api.requests).toEqual([]);
    const schema = JSON.parse(io.out) as { $schema: string; properties: { kind: { const: string } } };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.properties.kind.const).toBe("HTTPRoute");
    const route = (weight: unknown) => ({
      kind: "HTTPRoute",
      metadata: { name: "split" },
      spec: { parentRefs: [{ name: "echo" }], rules: [{ backendRefs: [{ name: "echo", weight }] }] },
    });
    const validator = new Validator(schema as Schema, "2020-12");
    expect(validator.validate(route(80)).valid).toBe(true);
    expect(validator.validate(route("80")).valid).toBe(true);
    expect(validator.validate(route("eighty")).valid).toBe(false);
  });

  it("takes the kind words other commands take, and refuses an unknown kind as a usage error", async () => {
    const svc = captureIo(new FakeApi());
    expect(await runCli(["schema", "SVC"], svc)).toBe(0);
    expect((JSON.parse(svc.out) as { title: string }).title).toBe("Edgeplane Service");
    const bad = captureIo(new FakeApi());
    expect(await runCli(["schema", "gizmo"], bad)).toBe(2);
    expect(bad.err).toContain('unknown kind "gizmo"; one of meshes, zones, services');
    expect(bad.err).toContain("Usage: edgeplane schema KIND");
    expect(await runCli(["schema"], captureIo(new FakeApi()))).toBe(2);
  });
});
