/**
 * The path of the first object key that appears twice in a JSON text, or
 * undefined. `JSON.parse` keeps the last of two equal keys silently, so
 * `{"kind":"Bogus","kind":"Service"}` would pass as a Service while a YAML
 * body with the same keys is refused; the API refuses both. Call it on text
 * `JSON.parse` accepted: it relies on the text being well formed.
 *
 * @example duplicateJsonKey('{"a":1,"b":{"c":1,"c":2}}') // "b.c"
 */
export function duplicateJsonKey(text: string): string | undefined {
  // One frame per open object or array: the keys seen (objects) or the index (arrays).
  const stack: ({ keys: Set<string>; path: string; key: string } | { index: number; path: string })[] = [];
  let i = 0;
  let expectKey = false;
  const here = (): string => {
    const top = stack.at(-1);
    if (!top) return "";
    return "keys" in top ? join(top.path, top.key) : `${top.path}[${top.index}]`;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (expectKey && top && "keys" in top) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return join(top.path, key);
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (ch === "{") {
      stack.push({ keys: new Set(), path: here(), key: "" });
      expectKey = true;
    } else if (ch === "[") {
      stack.push({ index: 0, path: here() });
    } else if (ch === "}" || ch === "]") {
      stack.pop();
    } else if (ch === ",") {
      const top = stack.at(-1);
      if (top && "keys" in top) expectKey = true;
      else if (top) top.index += 1;
    }
    i += 1;
  }
  return undefined;
}

/** Index just past the string literal starting at `start` (a quote). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
