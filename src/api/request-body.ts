import { parseAllDocuments, YAMLParseError } from "yaml";
import { ApiError } from "./api-error.js";

/** Largest single resource document, as stored JSON. D1 stores rows up to 2 MB;
 * zone frames must stay well under the 1 MiB WebSocket budget. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
/** Most documents one /apply bundle may carry (all land in one D1 batch). */
export const MAX_BUNDLE_DOCUMENTS = 200;

/**
 * Reads a request body as one or more documents: JSON when the Content-Type
 * says so, YAML (which also reads JSON) for `application/yaml`, `text/yaml`,
 * `text/plain` or no type. The body size was already bounded by the
 * bodyLimit middleware; this bounds each document.
 *
 * @example const docs = await readDocuments(c.req.raw, { multi: true });
 */
export async function readDocuments(req: Request, opts: { multi: boolean }): Promise<unknown[]> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const text = await req.text();
  if (text.trim() === "") throw new ApiError("invalid_body", "the request body is empty", { hint: "send a resource document as YAML or JSON" });

  let docs: unknown[];
  if (type === "application/json" || type.endsWith("+json")) {
    docs = parseJson(text, opts.multi);
  } else if (type === "" || type === "application/yaml" || type === "application/x-yaml" || type === "text/yaml" || type === "text/plain") {
    docs = parseYaml(text);
  } else {
    throw new ApiError("unsupported_media_type", `content type "${type}" is not accepted`, {
      hint: "send application/json or application/yaml",
    });
  }

  docs = docs.filter((d) => d !== null && d !== undefined);
  if (docs.length === 0) throw new ApiError("invalid_body", "the request body holds no document");
  if (!opts.multi && docs.length > 1) {
    throw new ApiError("invalid_body", `expected one document, got ${docs.length}`, { hint: "use POST /v1/apply for bundles" });
  }
  if (docs.length > MAX_BUNDLE_DOCUMENTS) {
    throw new ApiError("payload_too_large", `the bundle has ${docs.length} documents; at most ${MAX_BUNDLE_DOCUMENTS} are accepted`, {
      hint: "split it into several /v1/apply calls",
    });
  }
  docs.forEach((d, i) => {
    const size = new TextEncoder().encode(JSON.stringify(d)).byteLength;
    if (size > MAX_DOCUMENT_BYTES) {
      throw new ApiError("payload_too_large", `document ${i} is ${size} bytes as JSON; at most ${MAX_DOCUMENT_BYTES} are accepted`, {
        document: i,
      });
    }
  });
  return docs;
}

function parseJson(text: string, multi: boolean): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError("invalid_body", `malformed JSON: ${(err as Error).message}`, { hint: "check the body with a JSON linter" });
  }
  // A JSON bundle is an array of documents, or a Kubernetes-style List.
  if (multi && Array.isArray(value)) return value;
  if (multi && isList(value)) return value.items;
  return [value];
}

function parseYaml(text: string): unknown[] {
  const parsed = parseAllDocuments(text, { uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const out: unknown[] = [];
  for (const [i, doc] of docs.entries()) {
    const err = doc.errors[0];
    if (err) {
      const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : "";
      throw new ApiError("invalid_body", `malformed YAML in document ${i}${where}: ${err.message.split("\n")[0]}`, {
        hint: "check indentation and quoting",
        document: i,
      });
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (isList(value)) out.push(...value.items);
    else out.push(value);
  }
  return out;
}

function isList(v: unknown): v is { items: unknown[] } {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "List" && Array.isArray((v as { items?: unknown }).items);
}
