import { readdir, readFile, stat } from "node:fs/promises";
import { isDocumentList } from "../contract/resource-list.js";
import { join } from "node:path";
import { isMap, isSeq, LineCounter, parseAllDocuments, stringify, type Node } from "yaml";
import { CliError, UsageError } from "./errors.js";

/** One resource document read from a file, with where it came from. */
export interface SourceDocument {
  document: unknown;
  /** The file path as the user named it (inside a directory: joined), or "<stdin>". */
  source: string;
  /** 1-based line where the document starts, when known. */
  line?: number;
}

const MANIFEST = /\.(ya?ml|json)$/i;
export const STDIN_SOURCE = "<stdin>";

/**
 * Reads the documents of every `-f` argument, in order: a file, every
 * *.yaml, *.yml and *.json file of a directory (not its subdirectories) in
 * name order, or `-` for stdin. Multi-document YAML, JSON arrays and
 * `kind: List` are flattened into single documents; empty documents are
 * dropped, as the API does, so document indexes agree with its errors.
 *
 * @example
 * const docs = await readSources(["examples/demo.yaml"], () => readAll(process.stdin));
 * docs[0] // {document: {kind: "Service", ...}, source: "examples/demo.yaml", line: 7}
 */
export async function readSources(paths: readonly string[], readStdin: () => Promise<string>): Promise<SourceDocument[]> {
  if (paths.filter((p) => p === "-").length > 1) throw new UsageError("-f - (stdin) can be given once", "apply");
  const out: SourceDocument[] = [];
  for (const path of paths) {
    if (path === "-") {
      out.push(...parseSource(await readStdin(), STDIN_SOURCE));
      continue;
    }
    for (const file of await filesOf(path)) out.push(...parseSource(await readText(file), file));
  }
  if (out.length === 0) throw new CliError(`no resource documents in ${paths.join(", ")}`);
  return out;
}

/**
 * The documents of one YAML or JSON text. Syntax errors name the source,
 * line and column.
 *
 * @example parseSource("kind: Service\n---\nkind: Workload\n", "a.yaml").length // 2
 */
export function parseSource(text: string, source: string): SourceDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { uniqueKeys: true, lineCounter });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const lineOf = (node: Node | null | undefined): number | undefined => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);
  const out: SourceDocument[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
      throw new CliError(`${where}: ${err.message.split("\n")[0]}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const contents = doc.contents;
    // A JSON array or a kind: List bundles documents; each item is one.
    const items = Array.isArray(value) ? value : isDocumentList(value) ? value.items : undefined;
    if (items === undefined) {
      out.push(located(value, source, lineOf(contents)));
      continue;
    }
    const seq = isSeq(contents) ? contents : isMap(contents) ? contents.get("items", true) : undefined;
    items.forEach((item, i) => {
      if (item === null || item === undefined) return;
      out.push(located(item, source, lineOf(isSeq(seq) ? (seq.items[i] as Node | undefined) : undefined)));
    });
  }
  return out;
}

/**
 * The body for POST /v1/apply: the documents as one multi-document YAML
 * stream. Sending the parsed documents rather than the files' text keeps the
 * API's document indexes equal to the indexes of `docs`.
 *
 * @example bundleBody([{ document: { kind: "Service" }, source: "a.yaml" }]) // "kind: Service\n"
 */
export function bundleBody(docs: readonly SourceDocument[]): string {
  return docs.map((d) => stringify(d.document, { lineWidth: 0 })).join("---\n");
}

/**
 * Where a document came from, for error messages.
 *
 * @example describeSource({ document: {}, source: "demo.yaml", line: 25 }) // "demo.yaml:25"
 */
export function describeSource(doc: SourceDocument): string {
  return doc.line === undefined ? doc.source : `${doc.source}:${doc.line}`;
}

async function filesOf(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => MANIFEST.test(n)).sort();
  const files: string[] = [];
  for (const name of names) if ((await stat(join(path, name))).isFile()) files.push(join(path, name));
  if (files.length === 0) throw new CliError(`the directory ${path} holds no *.yaml, *.yml or *.json file`);
  return files;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function located(document: unknown, source: string, line: number | undefined): SourceDocument {
  return line === undefined ? { document, source } : { document, source, line };
}

