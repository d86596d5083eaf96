import { parseAllDocuments, YAMLParseError } from "yaml";
import { isDocumentList } from "../contract/resource-list.js";
import { ApiError } from "./api-error.js";
import { duplicateJsonKey } from "./json-duplicate-keys.js";

/** Largest single resource document, as stored JSON. D1 stores rows up to 2 MB;
 * zone frames must stay well under the 1 MiB WebSocket budget. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
/** Most documents one /apply bundle may carry (all land in one D1 batch). */
export const MAX_BUNDLE_DOCUMENTS = 200;

/** YAML aliases one body may expand; beyond it the expansion is refused (billion laughs). */
export const MAX_YAML_ALIASES = 100;

const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml"]);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads a request body as one or more documents: JSON for
 * `application/json` (or `+json`), YAML for `application/yaml`,
 * `application/x-yaml` or `text/yaml`. Nothing else is read: a browser on
 * another site can send `text/plain`, form types or no type without asking
 * first (a "simple" request), so those never write. The body must be UTF-8;
 * duplicate keys are refused in JSON as in YAML; YAML aliases must resolve,
 * must not refer to themselves, and at most MAX_YAML_ALIASES expand. The
 * body size was already bounded by the bodyLimit middleware; this bounds
 * each document.
 *
 * @example const docs = await readDocuments(c.req.raw, { multi: true });
 */
export async function readDocuments(req: Request, opts: { multi: boolean }): Promise<unknown[]> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const json = type === "application/json" || type.endsWith("+json");
  if (!json && !YAML_TYPES.has(type)) {
    throw new ApiError("unsupported_media_type", type === "" ? "the request has no Content-Type" : `content type "${type}" is not accepted`, {
      hint: "send Content-Type: application/json or application/yaml",
    });
  }
  let text: string;
  try {
    text = utf8.decode(await req.arrayBuffer());
  } catch {
    throw new ApiError("invalid_body", "the request body is not valid UTF-8", { hint: "send the documents encoded as UTF-8" });
  }
  if (text.trim() === "") throw new ApiError("invalid_body", "the request body is empty", { hint: "send a resource document as YAML or JSON" });

  let docs = json ? parseJson(text, opts.multi) : parseYaml(text);

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
  const duplicate = duplicateJsonKey(text);
  if (duplicate !== undefined) {
    throw new ApiError("invalid_body", `the JSON body names the key ${duplicate} twice`, { field: duplicate, hint: "keep one of the two; JSON would silently use the last" });
  }
  // A JSON bundle is an array of documents, or a Kubernetes-style List.
  if (multi && Array.isArray(value)) return value;
  if (multi && isDocumentList(value)) return value.items;
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
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      // Unresolved aliases and alias bombs surface here, not as parse errors.
      const excessive = err instanceof Error && /alias count/i.test(err.message);
      throw new ApiError("invalid_body", `YAML document ${i}: ${excessive ? `more than ${MAX_YAML_ALIASES} aliases expand` : err instanceof Error ? err.message : String(err)}`, {
        hint: excessive ? "write the values out instead of repeating aliases" : "define each anchor (&name) before its alias (*name)",
        document: i,
      });
    }
    if (isCyclic(value)) {
      throw new ApiError("invalid_body", `YAML document ${i}: an alias refers to the node that holds it`, { hint: "a document cannot contain itself", document: i });
    }
    if (isDocumentList(value)) out.push(...value.items);
    else out.push(value);
  }
  return out;
}


/** Whether a value built from YAML contains itself (a self-referencing alias). */
function isCyclic(value: unknown, open = new Set<object>()): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (open.has(value)) return true;
  open.add(value);
  const children = Array.isArray(value) ? value : Object.values(value);
  const cyclic = children.some((v) => isCyclic(v, open));
  open.delete(value);
  return cyclic;
}
