/**
 * The import rules of src/, read from README.md's "Layout" table (its
 * "May import" column) and enforced: a test fails when a file imports across
 * a boundary the table does not allow, when a "(types only)" import carries
 * values, when a source folder has no row, and when the folders' actual
 * imports form a cycle. The README and this test cannot disagree: the test
 * has no rules of its own.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const SRC = join(ROOT, "src");

interface Rule {
  /** Repository paths this folder may import from (itself included). */
  allowed: string[];
  /** Of those, the ones it may import types from only. */
  typesOnly: Set<string>;
}

/** Rows of the Layout table whose first cell names a path under src/. */
function layoutRules(): Map<string, Rule> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Layout"), readme.indexOf("\n## ", readme.indexOf("## Layout") + 1));
  const rules = new Map<string, Rule>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const owner = /^`(src\/[^`]+)`$/.exec(cells[1] ?? "")?.[1];
    if (!owner || cells.length < 5) continue;
    const rule: Rule = { allowed: [owner], typesOnly: new Set() };
    for (const m of (cells[3] ?? "").matchAll(/`([^`]+)`( \(types only\))?/g)) {
      rule.allowed.push(m[1]!);
      if (m[2]) rule.typesOnly.add(m[1]!);
    }
    rules.set(owner, rule);
  }
  return rules;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

interface Import {
  /** Repository path of the imported file (.js specifiers name .ts files). */
  target: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const found = [...text.matchAll(/(import|export)(\s+type)?\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)];
  return found
    .map((m) => ({ spec: m[3] ?? m[4]!, typeOnly: m[2] !== undefined }))
    .filter((i) => i.spec.startsWith("."))
    .map((i) => ({ target: relative(ROOT, resolve(dirname(file), i.spec)).replace(/\.js$/, ".ts"), typeOnly: i.typeOnly }));
}

const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const generated = (path: string) => /_pb\.ts$/.test(path);

describe("import layering (README.md, Layout)", () => {
  const rules = layoutRules();
  const files = sourceFiles(SRC).map((f) => relative(ROOT, f)).filter((f) => !generated(f));
  const ownerOf = (path: string) => [...rules.keys()].filter((k) => under(path, k)).sort((a, b) => b.length - a.length)[0];

  it("reads the table and checks every source file", () => {
    expect(rules.get("src/xds-bridge")?.allowed).toContain("gen");
    expect(files.length).toBeGreaterThan(60);
  });

  for (const file of files) {
    it(`${file} imports only what its folder may`, () => {
      const owner = ownerOf(file);
      expect(owner, `${file} is in no folder of the Layout table`).toBeDefined();
      const rule = rules.get(owner!)!;
      const bad: string[] = [];
      for (const imp of importsOf(join(ROOT, file))) {
        const allowedBy = rule.allowed.filter((a) => under(imp.target, a)).sort((a, b) => b.length - a.length)[0];
        if (!allowedBy) bad.push(imp.target);
        else if (rule.typesOnly.has(allowedBy) && !imp.typeOnly) bad.push(`${imp.target} (types only)`);
      }
      expect(bad).toEqual([]);
    });
  }

  it("has no cycle between folders", () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files) {
      const from = ownerOf(file)!;
      for (const imp of importsOf(join(ROOT, file))) {
        const to = ownerOf(imp.target);
        if (to && to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      }
    }
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(" -> "));
        return;
      }
      for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
