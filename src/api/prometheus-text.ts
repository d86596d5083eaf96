/** One metric family in Prometheus' text exposition format. */
export interface MetricFamily {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: { labels?: Record<string, string>; value: number }[];
}

/**
 * Renders metric families as Prometheus text (version 0.0.4): HELP and TYPE
 * lines, then one line per sample with escaped label values.
 *
 * @example renderPrometheus([{ name: "x", help: "an x", type: "gauge", samples: [{ value: 1 }] }])
 * // "# HELP x an x\n# TYPE x gauge\nx 1\n"
 */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  let out = "";
  for (const f of families) {
    out += `# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const text = labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
      out += `${f.name}${text} ${Number.isFinite(s.value) ? s.value : 0}\n`;
    }
  }
  return out;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
