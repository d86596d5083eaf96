import { Validator, type Schema } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { app } from "../../src/api/app.js";
import { honoPath, ROUTES } from "../../src/api/route-table.js";
import { UI_ROUTES } from "../../src/ui/ui-route-table.js";
import { KINDS } from "../../src/contract/resource-types.js";
import { call, service } from "./api-helpers.js";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, Schema> };
};

async function served(): Promise<Doc> {
  const res = await call("GET", "/v1/openapi.json");
  expect(res.status).toBe(200);
  return res.body as unknown as Doc;
}

/** A JSON Schema validator for one component (resource components are self-contained). */
function validatorFor(doc: Doc, name: string): Validator {
  return new Validator(doc.components.schemas[name]!, "2020-12", false);
}

describe("GET /v1/openapi.json", () => {
  it("is OpenAPI 3.1 with every resource kind and the error body as components", async () => {
    const doc = await served();
    expect(doc.openapi).toBe("3.1.0");
    for (const kind of KINDS) {
      expect(doc.components.schemas[kind], kind).toMatchObject({ type: "object", properties: { kind: { const: kind } } });
    }
    expect(doc.components.schemas.Error).toMatchObject({ required: ["code", "message"] });
    expect(doc.paths["/v1/zones/{name}"]!.put!.requestBody!.content["application/yaml"]!.schema.$ref).toBe("#/components/schemas/Zone");
  });

  it("describes resources as the API validates them: a good Service passes, a typo and a bad port fail", async () => {
    const doc = await served();
    const services = validatorFor(doc, "Service");
    const good = { ...service("echo"), apiVersion: "v1" };
    expect(services.validate(good).valid).toBe(true);
    expect((await call("PUT", "/v1/meshes/default/services/echo", good)).status).toBe(201);

    const typo = { ...good, spec: { ports: [{ port: 80 }], portz: [] } };
    expect(services.validate(typo).valid).toBe(false);
    expect((await call("PUT", "/v1/meshes/default/services/echo", typo)).body.code).toBe("unknown_field");

    const badPort = { ...good, spec: { ports: [{ port: 70000 }] } };
    expect(services.validate(badPort).valid).toBe(false);
    expect((await call("PUT", "/v1/meshes/default/services/echo", badPort)).body.field).toBe("spec.ports[0].port");
  });
});

describe("the route table", () => {
  const key = (method: string, path: string) => `${method} ${path}`;
  // `app.use` middleware shows up as method ALL; it is not a route.
  // The dashboard's pages are not API routes: they have their own table (ui-pages.test.ts checks it).
  const pages = new Set(UI_ROUTES.map((r) => key(r.method, r.path)));
  const registered = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => key(r.method, r.path)).filter((r) => !pages.has(r)));
  const described = new Set(ROUTES.map((r) => key(r.method, honoPath(r.path))));

  it("describes every route the app registers", () => {
    expect([...registered].filter((r) => !described.has(r))).toEqual([]);
  });

  it("describes no route the app lacks, and none twice", () => {
    expect([...described].filter((r) => !registered.has(r))).toEqual([]);
    expect(described.size).toBe(ROUTES.length);
  });

  it("is what the document's paths list", async () => {
    const doc = await served();
    const paths = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => key(m.toUpperCase(), path)));
    expect(paths.sort()).toEqual(ROUTES.map((r) => key(r.method, r.path)).sort());
  });
});
