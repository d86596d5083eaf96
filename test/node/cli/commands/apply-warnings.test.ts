import { describe, expect, it } from "vitest";
import { runCli } from "../../../../src/cli/cli.js";
import { resolveKind } from "../../../../src/cli/kinds.js";
import { captureIo, FakeApi } from "../../support/cli-fake-api.js";

describe("edgeplane apply: warnings and conversions", () => {
  const answer = {
    dryRun: false,
    revision: 9,
    results: [{ kind: "HTTPRoute", mesh: "default", name: "echo-split", action: "created", revision: 9 }],
    warnings: [{ document: 0, kind: "HTTPRoute", mesh: "default", name: "echo-split", field: "spec.rules[0].filters[0]", message: "proxyless gRPC clients do not change headers", proxies: "proxyless" }],
    converted: [{ document: 0, from: "split.smi-spec.io/v1alpha4 TrafficSplit", resource: { kind: "HTTPRoute", metadata: { name: "echo-split", mesh: "default" } } }],
  };

  it("prints them on stderr, naming the document by file and line, and keeps -o json parseable", async () => {
    const api = new FakeApi().on("POST", "/v1/apply", answer);
    const stdin = "apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: {name: echo-split}\nspec: {service: echo, backends: [{service: a, weight: 1}]}\n";
    const io = captureIo(api, { stdin });
    expect(await runCli(["apply", "-f", "-"], io)).toBe(0);
    expect(io.err).toBe(
      "Converted: split.smi-spec.io/v1alpha4 TrafficSplit (<stdin>:1) is stored as HTTPRoute default/echo-split\n" +
        "Warning: HTTPRoute default/echo-split spec.rules[0].filters[0] (<stdin>:1): proxyless gRPC clients do not change headers [proxyless]\n",
    );
    const json = captureIo(api, { stdin });
    expect(await runCli(["apply", "-f", "-", "-o", "json"], json)).toBe(0);
    expect(JSON.parse(json.out).warnings).toHaveLength(1);
    expect(json.err).toContain("Warning:");
  });

  it("prints nothing extra when there is nothing to say", async () => {
    const api = new FakeApi().on("POST", "/v1/apply", { ...answer, warnings: [], converted: undefined });
    const io = captureIo(api, { stdin: "kind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 1}]}\n" });
    expect(await runCli(["apply", "-f", "-"], io)).toBe(0);
    expect(io.err).toBe("");
  });

  it("knows GRPCRoute by its plural and singular", () => {
    expect(resolveKind("grpcroutes")).toBe("GRPCRoute");
    expect(resolveKind("GRPCRoute")).toBe("GRPCRoute");
  });
});
