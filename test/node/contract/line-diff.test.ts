import { describe, expect, it } from "vitest";
import { documentYaml } from "../../../src/contract/document-yaml.js";
import { diffLines } from "../../../src/contract/line-diff.js";

describe("diffLines", () => {
  it("keeps common lines and puts a replaced line's removal before its addition", () => {
    expect(diffLines("a\nb\nc\n", "a\nx\nc\n")).toEqual([
      { op: "same", text: "a", from: 1, to: 1 },
      { op: "remove", text: "b", from: 2 },
      { op: "add", text: "x", to: 2 },
      { op: "same", text: "c", from: 3, to: 3 },
    ]);
  });

  it("numbers lines of each side on their own across insertions and deletions", () => {
    expect(diffLines("a\nb\n", "z\na\nb\nc")).toEqual([
      { op: "add", text: "z", to: 1 },
      { op: "same", text: "a", from: 1, to: 2 },
      { op: "same", text: "b", from: 2, to: 3 },
      { op: "add", text: "c", to: 4 },
    ]);
  });

  it("reads no text as no lines, so a created or deleted document is all additions or all removals", () => {
    expect(diffLines("", "")).toEqual([]);
    expect(diffLines("", "a\n")).toEqual([{ op: "add", text: "a", to: 1 }]);
    expect(diffLines("a\nb", "")).toEqual([
      { op: "remove", text: "a", from: 1 },
      { op: "remove", text: "b", from: 2 },
    ]);
  });

  it("on two revisions' YAML, changes only the line of the changed field", () => {
    const doc = (weight: number) => ({ kind: "HTTPRoute", metadata: { name: "r" }, spec: { rules: [{ backendRefs: [{ name: "a", weight }, { name: "b", weight: 20 }] }] } });
    const changed = diffLines(documentYaml(doc(80)), documentYaml(doc(50))).filter((l) => l.op !== "same");
    expect(changed.map((l) => `${l.op} ${l.text.trim()}`)).toEqual(["remove weight: 80", "add weight: 50"]);
  });
});

describe("documentYaml", () => {
  it("keeps long values on one line and the document's key order", () => {
    const long = "x".repeat(200);
    const text = documentYaml({ kind: "Service", metadata: { name: "s", labels: { note: long } }, spec: {} });
    expect(text.split("\n")).toContain(`    note: ${long}`);
    expect(text.indexOf("kind:")).toBeLessThan(text.indexOf("metadata:"));
  });
});
