/**
 * A line-by-line diff of two texts (the longest common subsequence of their
 * lines), for showing two revisions of a document side by side. Pure.
 */

/** One line of the diff: in both texts, only in the old one, or only in the new one; line numbers from 1. */
export type LineChange =
  | { op: "same"; text: string; from: number; to: number }
  | { op: "remove"; text: string; from: number }
  | { op: "add"; text: string; to: number };

/**
 * Every line of both texts once, in order: unchanged lines as "same", the
 * old text's other lines as "remove" before the new text's as "add" where
 * they stand in for each other. A trailing newline ends the last line; it
 * does not add an empty one.
 *
 * @example diffLines("a\nb\n", "a\nc\n")
 * // [{ op: "same", text: "a", from: 1, to: 1 }, { op: "remove", text: "b", from: 2 }, { op: "add", text: "c", to: 2 }]
 */
export function diffLines(from: string, to: string): LineChange[] {
  const a = linesOf(from);
  const b = linesOf(to);
  // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  // Documents are at most a few hundred lines, so the table stays small.
  const common = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: "same", text: a[i]!, from: i + 1, to: j + 1 });
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && common[i + 1]![j]! >= common[i]![j + 1]!)) {
      out.push({ op: "remove", text: a[i]!, from: i + 1 });
      i++;
    } else {
      out.push({ op: "add", text: b[j]!, to: j + 1 });
      j++;
    }
  }
  return out;
}

function linesOf(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
