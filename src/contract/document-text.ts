import { ValidationError } from "./validation-error.js";

/**
 * No string anywhere in a resource document carries characters that mean
 * something else further down the path: NUL and the other C0 controls
 * (CR/LF split an HTTP header a proxy writes; NUL ends a C string in
 * Envoy), DEL, or a lone UTF-16 surrogate (not a character at all; JSON's
 * `\ud800` escape makes one). Tab is allowed: HTTP header values may hold it.
 * Keys are checked like values. Throws a ValidationError naming the field.
 *
 * @example checkDocumentText({ spec: { value: "a\r\nb" } }) // throws at spec.value
 */
export function checkDocumentText(value: unknown, path = ""): void {
  if (typeof value === "string") {
    const problem = textProblem(value);
    if (problem) throw new ValidationError("invalid_field", path || "document", `${path || "document"} ${problem}`, "remove control characters and unpaired surrogates");
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkDocumentText(v, `${path}[${i}]`));
    return;
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      const problem = textProblem(k);
      if (problem) throw new ValidationError("invalid_field", at, `the key of ${at} ${problem}`, "remove control characters and unpaired surrogates");
      checkDocumentText(v, at);
    }
  }
}

// Exactly the characters refused: C0 controls but tab, and DEL.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// Without the u flag a regex sees UTF-16 code units, so unpaired halves are visible.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(text: string): string | undefined {
  const m = CONTROL.exec(text);
  if (m) return `holds the control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  if (LONE_SURROGATE.test(text)) return "holds an unpaired UTF-16 surrogate (not valid Unicode)";
  return undefined;
}
