import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import YAML from "yaml";
import { expect } from "vitest";
import { formatChanges } from "../../../src/cli/commands/history.js";
import { diffDocuments, type DocumentChange } from "../../../src/contract/document-diff.js";
import { validateResource } from "../../../src/contract/resource-schema.js";
import type { Resource } from "../../../src/contract/resource-types.js";

// Kuma-style golden files (its test/matchers/golden.go): each case is a folder
// holding input.yaml and the expected output; UPDATE_GOLDEN=1 rewrites the
// expected files from what the code gives now, and a mismatch reads as a diff.

const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
/** Changes listed in a mismatch message before "and N more". */
const SHOWN_CHANGES = 40;

/**
 * A golden directory of the repository, test/<name>/.
 *
 * @example goldenCases(goldenDir("golden-sidecar")) // ["grpc-upstream", "multi-port", ...]
 */
export function goldenDir(name: "golden" | "golden-sidecar"): URL {
  return new URL(`../../${name}/`, import.meta.url);
}

/** The cases of a golden directory: its folders, sorted. */
export function goldenCases(dir: URL): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export interface GoldenInput {
  /** `# key: value` lines among the file's leading comments, for the keys asked for. */
  header: Map<string, string>;
  /** The documents, validated as the API does; one without metadata.mesh is in "default". */
  resources: Resource[];
}

/**
 * Reads <case>/input.yaml (multi-document YAML).
 *
 * @example readGoldenInput(goldenDir("golden"), "two-meshes", ["mesh"]).header.get("mesh") // "other"
 */
export function readGoldenInput(dir: URL, caseName: string, headerKeys: readonly string[]): GoldenInput {
  const text = readFileSync(new URL(`${caseName}/input.yaml`, dir), "utf8");
  const header = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("#")) break;
    const m = /^#\s*([a-z]+):\s*([a-z0-9-]+)\s*$/.exec(line);
    if (m?.[1] && m[2] && headerKeys.includes(m[1])) header.set(m[1], m[2]);
  }
  const resources: Resource[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${caseName}/input.yaml: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) resources.push(validateResource(value, "default"));
  }
  return { header, resources };
}

/**
 * The golden matcher: `actual` must equal <case>/<file>, which UPDATE_GOLDEN=1
 * rewrites first. A JSON file that differs is explained change by change
 * (`+ path`, `- path`, `~ path: from -> to`, as `edgeplane diff` prints),
 * not only as two long texts.
 *
 * @example expectGolden(goldenDir("golden"), "split-80-20", "xds.json", renderXdsJson(res, registry));
 */
export function expectGolden(dir: URL, caseName: string, file: string, actual: string): void {
  const url = new URL(`${caseName}/${file}`, dir);
  if (UPDATE) writeFileSync(url, actual);
  expect(existsSync(url), `${caseName}/${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  const expected = readFileSync(url, "utf8");
  expect(actual, actual === expected ? undefined : mismatch(`${caseName}/${file}`, expected, actual)).toBe(expected);
}

function mismatch(name: string, expected: string, actual: string): string {
  const intro = `${name} is not what the code gives now (if the change is deliberate: UPDATE_GOLDEN=1, then read the diff)`;
  let changes: DocumentChange[];
  try {
    changes = diffDocuments(JSON.parse(expected), JSON.parse(actual));
  } catch {
    return intro; // not JSON: the text diff below the message is all there is
  }
  const shown = formatChanges(changes.slice(0, SHOWN_CHANGES)).trimEnd();
  const more = changes.length > SHOWN_CHANGES ? `\n(and ${changes.length - SHOWN_CHANGES} more)` : "";
  return `${intro}; from the file to now:\n${shown}${more}\n`;
}
