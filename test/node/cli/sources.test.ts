/** Reading -f files, directories and stdin into one bundle (`sources.ts`). */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/cli/errors.js";
import { bundleBody, readSources } from "../../../src/cli/sources.js";
import { useTempDir } from "../support/temp-dir.js";

const dir = useTempDir("edgeplane-cli-");
const noStdin = async () => "";

describe("reading -f sources", () => {
  it("reads a multi-document file, skipping empty documents, with the line of each", async () => {
    const file = join(dir, "bundle.yaml");
    await writeFile(file, "# demo\nkind: Service\nmetadata: {name: a}\n---\n---\nkind: Service\nmetadata: {name: b}\n");
    const docs = await readSources([file], noStdin);
    expect(docs.map((d) => [(d.document as { metadata: { name: string } }).metadata.name, d.source, d.line])).toEqual([
      ["a", file, 2],
      ["b", file, 6],
    ]);
  });

  it("reads a directory's yaml, yml and json files in name order, and nothing else", async () => {
    const sub = join(dir, "manifests");
    await mkdir(join(sub, "nested"), { recursive: true });
    await writeFile(join(sub, "b.yml"), "kind: Service\nmetadata: {name: from-b}\n");
    await writeFile(join(sub, "a.json"), JSON.stringify([{ kind: "Service", metadata: { name: "from-a1" } }, { kind: "Service", metadata: { name: "from-a2" } }]));
    await writeFile(join(sub, "c.YAML"), "kind: List\nitems:\n  - kind: Service\n    metadata: {name: from-c}\n");
    await writeFile(join(sub, "notes.txt"), "kind: Service\n");
    await writeFile(join(sub, "nested", "d.yaml"), "kind: Service\nmetadata: {name: nested}\n");
    const docs = await readSources([sub], noStdin);
    expect(docs.map((d) => (d.document as { metadata: { name: string } }).metadata.name)).toEqual(["from-a1", "from-a2", "from-b", "from-c"]);
    expect(docs[3]?.line).toBe(3);
  });

  it("reads stdin for -", async () => {
    const docs = await readSources(["-"], async () => "kind: Service\nmetadata: {name: piped}\n");
    expect(docs).toEqual([{ document: { kind: "Service", metadata: { name: "piped" } }, source: "<stdin>", line: 1 }]);
    await expect(readSources(["-", "-"], noStdin)).rejects.toBeInstanceOf(UsageError);
  });

  it("names the file, line and column of a syntax error", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(file, "kind: Service\nmetadata:\n  name: a\n  name: b\n");
    await expect(readSources([file], noStdin)).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, "\\.")}:4:3: .*[Mm]ap keys must be unique`));
  });

  it("fails clearly on missing files, empty directories and empty input", async () => {
    await expect(readSources([join(dir, "nope.yaml")], noStdin)).rejects.toThrow(/cannot read .*nope\.yaml: ENOENT/);
    await mkdir(join(dir, "empty"), { recursive: true });
    await expect(readSources([join(dir, "empty")], noStdin)).rejects.toThrow(/holds no \*\.yaml/);
    await expect(readSources(["-"], async () => "---\n")).rejects.toThrow(/no resource documents/);
  });

  it("sends the documents as one multi-document YAML body the API splits the same way", async () => {
    const docs = await readSources(["-"], async () => JSON.stringify([{ kind: "Service", metadata: { name: "a" } }, { kind: "Service", metadata: { name: "on" } }]));
    const back = parseAllDocuments(bundleBody(docs));
    expect(Array.isArray(back) ? back.map((d) => d.toJS()) : []).toEqual(docs.map((d) => d.document));
  });
});

describe("lists (hardening 19)", () => {
  it("reads what get -o yaml prints (a <Kind>List) as the documents it holds", async () => {
    const file = join(dir, "services.yaml");
    await writeFile(file, "kind: ServiceList\nitems:\n  - kind: Service\n    metadata: {name: a, mesh: default, revision: 4}\n    spec: {ports: [{port: 1}]}\n  - kind: Service\n    metadata: {name: b, mesh: default}\n    spec: {ports: [{port: 2}]}\n");
    const docs = await readSources([file], noStdin);
    expect(docs.map((d) => (d.document as { metadata: { name: string } }).metadata.name)).toEqual(["a", "b"]);
  });
});
