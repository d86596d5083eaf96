/**
 * The import rules of src/ (README.md, "Layout"), enforced: a test fails
 * when a file imports across a boundary it must not cross.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "..", "..", "src");

/** folder -> folders (and files) under src/ it may import from. */
const ALLOWED: Record<string, string[]> = {
  contract: ["contract"],
  store: ["store", "contract"],
  // api reads zone status types (ZoneStatus, ProxyRow) from zone-do: types only.
  api: ["api", "contract", "store", "global", "events", "zone-do", "env.ts"],
  events: ["events", "env.ts"],
  global: ["global", "contract", "store", "env.ts", "zone-do"],
  // The zone verifies zone tokens (global/zone-tokens.ts) and talks to the global plane through zone-uplink.ts.
  "zone-do": ["zone-do", "contract", "store", "global", "events", "env.ts"],
  "xds-bridge": ["xds-bridge", "contract", "../gen"],
  cli: ["cli", "contract"],
  "worker.ts": ["api", "zone-do", "events", "env.ts"],
  "env.ts": ["zone-do", "events"],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
    .map((m) => m[1] ?? m[2]!)
    .filter((s) => s.startsWith("."))
    .map((s) => relative(SRC, resolve(dirname(file), s)));
}

describe("import layering", () => {
  const all = files(SRC).filter((f) => !relative(SRC, f).startsWith("gen"));

  it("checks every source file", () => {
    expect(all.length).toBeGreaterThan(40);
  });

  for (const file of all) {
    const rel = relative(SRC, file);
    const owner = Object.keys(ALLOWED).find((k) => rel === k || rel.startsWith(`${k}/`));
    it(`${rel} imports only what its folder may`, () => {
      expect(owner, `${rel} is in no folder of the layering table`).toBeDefined();
      const bad = importsOf(file).filter(
        (target) => !ALLOWED[owner!]!.some((ok) => target === ok || target.startsWith(`${ok}/`) || target === ok.replace(/\.ts$/, ".js")),
      );
      expect(bad).toEqual([]);
    });
  }
});
