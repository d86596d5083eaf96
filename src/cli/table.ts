/**
 * Plain-text tables for people: a header row, columns padded to their widest
 * cell and separated by three spaces, no borders and no trailing blanks, so
 * the output also reads well through grep, awk and diffs.
 *
 * @example
 * renderTable(["NAME", "REVISION"], [["echo", "12"], ["echo-v1", "3"]])
 * // "NAME      REVISION\necho      12\necho-v1   3\n"
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    headers
      .map((_, i) => {
        const cell = cells[i] ?? "";
        return i === headers.length - 1 ? cell : cell + " ".repeat(widths[i]! - width(cell));
      })
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** Code points, not UTF-16 units: "→" is one column. */
function width(s: string): number {
  return [...s].length;
}
