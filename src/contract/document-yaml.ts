import { stringify } from "yaml";

/**
 * A resource document as YAML, the way people write them: block style, keys
 * in the document's own order, no line folding (a long regex or header
 * value stays on one line, so a line diff of two revisions shows the change
 * on the line that holds it). The same text for the same document, so two
 * revisions' YAML differ only where the documents do.
 *
 * @example documentYaml({ kind: "Service", metadata: { name: "echo" } }) // "kind: Service\nmetadata:\n  name: echo\n"
 */
export function documentYaml(document: unknown): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
