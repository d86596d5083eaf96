/**
 * The dashboard's browser modules are served as written, with no build step
 * to catch a typo: here each one is parsed as an ES module by Node (the same
 * grammar Chromium uses; `node --check` on a .mjs copy, since vm's module
 * parser needs a flag), and every module an import names is one the Worker
 * serves, so a broken page fails in a second instead of in the browser test.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UI_ROUTES } from "../../../src/ui/ui-route-table.js";

const UI = resolve(import.meta.dirname, "..", "..", "..", "src", "ui");
const modules = readdirSync(UI).filter((f) => f.endsWith(".js.txt"));
const served = new Set(UI_ROUTES.map((r) => r.path).filter((p) => p.endsWith(".js")));
// The entry module is served as app.js; the others under their own names.
const servedName = (file: string) => `/ui/${file === "client.js.txt" ? "app.js" : file.replace(/\.txt$/, "")}`;

const scratch = mkdtempSync(join(tmpdir(), "edgeplane-ui-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the dashboard's browser modules", () => {
  it("are all served, and only they", () => {
    expect(new Set(modules.map(servedName))).toEqual(served);
  });

  for (const file of modules) {
    it(`${file} parses as an ES module and imports only served modules`, () => {
      const source = readFileSync(join(UI, file), "utf8");
      const copy = join(scratch, file.replace(/\.js\.txt$/, ".mjs"));
      writeFileSync(copy, source);
      const check = spawnSync(process.execPath, ["--check", copy], { encoding: "utf8" });
      expect(check.status, check.stderr).toBe(0);
      for (const spec of [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!)) {
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z-]+\.js$/);
        expect(served.has(`/ui/${spec.slice(2)}`), `${file} imports ${spec}, which the Worker does not serve`).toBe(true);
      }
    });
  }
});
