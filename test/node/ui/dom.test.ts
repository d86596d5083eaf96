/**
 * The dashboard's shared helpers that compute text without a DOM, run in
 * Node on the module exactly as the Worker serves it (a .mjs copy: it
 * imports nothing, and touches `document` only when a page draws).
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const scratch = mkdtempSync(join(tmpdir(), "edgeplane-ui-dom-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
copyFileSync(resolve(import.meta.dirname, "..", "..", "..", "src", "ui", "dom.js.txt"), join(scratch, "dom.mjs"));
const dom = (await import(pathToFileURL(join(scratch, "dom.mjs")).href)) as { expiry: (iso: string | undefined, now?: number) => string };

describe("expiry, the proxies page's certificate cell", () => {
  const now = Date.parse("2026-12-03T12:00:00.000Z");

  it("shows the UTC time and how far off it is", () => {
    expect(dom.expiry("2026-12-04T11:00:00.000Z", now)).toBe("2026-12-04 11:00 UTC (in 23 h)");
    expect(dom.expiry("2026-12-03T12:45:00.000Z", now)).toBe("2026-12-03 12:45 UTC (in 45 min)");
    expect(dom.expiry("2026-12-10T12:00:00.000Z", now)).toBe("2026-12-10 12:00 UTC (in 7 d)");
  });

  it("says in words when the certificate has expired", () => {
    expect(dom.expiry("2026-12-03T10:00:00.000Z", now)).toBe("2026-12-03 10:00 UTC (expired 2 h ago)");
  });

  it("is a dash when the proxy has no certificate", () => {
    expect(dom.expiry(undefined, now)).toBe("-");
    expect(dom.expiry("not a date", now)).toBe("-");
  });
});
