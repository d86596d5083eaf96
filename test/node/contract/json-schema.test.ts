/**
 * The JSON Schema of each kind (what `edgeplane schema KIND` prints and
 * editors check YAML files with) against real documents: every golden input
 * and the demo bundle pass it, and documents the API refuses for a rule
 * JSON Schema can state are refused by it too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Validator, type Schema } from "@cfworker/json-schema";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { jsonSchemaOf } from "../../../src/contract/json-schema.js";
import { validateResource } from "../../../src/contract/resource-schema.js";
import { isKind, KINDS, type Kind } from "../../../src/contract/resource-types.js";

const ROOT = new URL("../../../", import.meta.url);
const validators = new Map(KINDS.map((k) => [k, new Validator(jsonSchemaOf(k) as Schema, "2020-12", false)]));

function documents(path: string): { kind: Kind; doc: Record<string, unknown> }[] {
  return parseAllDocuments(readFileSync(new URL(path, ROOT), "utf8"))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null)
    .map((doc) => {
      if (!isKind(doc.kind)) throw new Error(`${path}: kind ${String(doc.kind)}`);
      return { kind: doc.kind, doc };
    });
}

const files = [
  "examples/demo.yaml",
  ...["test/golden", "test/golden-sidecar"].flatMap((dir) => readdirSync(new URL(dir, ROOT)).map((c) => `${dir}/${c}/input.yaml`)),
];

describe("jsonSchemaOf", () => {
  it.each(files)("accepts every document of %s, as the API does", (file) => {
    const docs = documents(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const { kind, doc } of docs) {
      expect(() => validateResource(doc, "default")).not.toThrow();
      const result = validators.get(kind)!.validate(doc);
      expect(result.errors, `${file}: ${kind} ${JSON.stringify(doc.metadata)}`).toEqual([]);
    }
  });

  const service = { kind: "Service", metadata: { name: "echo" }, spec: { ports: [{ port: 50051, protocol: "grpc" }] } };
  it.each([
    ["an unknown field", "Service", { ...service, spec: { ports: [{ port: 1 }], portz: [] } }],
    ["a bad name", "Service", { ...service, metadata: { name: "Echo" } }],
    ["a port out of range", "Service", { ...service, spec: { ports: [{ port: 70000 }] } }],
    ["an unknown protocol", "Service", { ...service, spec: { ports: [{ port: 1, protocol: "udp" }] } }],
    ["no ports", "Service", { ...service, spec: { ports: [] } }],
    ["a Workload's kind", "Service", { ...service, kind: "Workload" }],
    ["a mesh on a Zone", "Zone", { kind: "Zone", metadata: { name: "west", mesh: "default" } }],
    ["a bad label key", "Service", { ...service, metadata: { name: "echo", labels: { "-a": "b" } } }],
    ["a bad duration", "HTTPRoute", { kind: "HTTPRoute", metadata: { name: "r" }, spec: { parentRefs: [{ name: "a" }], rules: [{ backendRefs: [{ name: "a" }], timeouts: { request: "soon" } }] } }],
  ] as const)("refuses %s, as the API does", (_label, kind, doc) => {
    expect(() => validateResource(doc, "default")).toThrow();
    expect(validators.get(kind)!.validate(doc).valid).toBe(false);
  });
});
