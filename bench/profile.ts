/**
 * Reads a V8 CPU profile (as bench/inspector-profile.ts takes of the bridges
 * and the Worker with `--profile`) into its top functions: by self time (where the CPU is
 * spent) and, for our own code, by inclusive time (which step it is for).
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

export interface Hotspot {
  fn: string;
  where: string;
  ms: number;
  /** Share of the profile's busy (non-idle) time. */
  pct: number;
}

export interface ProfileSummary {
  busyMs: number;
  self: Hotspot[];
  /** Our functions (src/, or the Worker's bundle) by time including their callees (recursion counted once). */
  inclusive: Hotspot[];
}

const keyOf = (n: ProfileNode): { key: string; fn: string; where: string } => {
  const { functionName, url, lineNumber } = n.callFrame;
  // tsx's transpiled modules report line 0: the file alone says enough then.
  const file = url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, "$1/");
  const where = url ? (lineNumber > 0 ? `${file}:${lineNumber + 1}` : file) : "";
  const fn = functionName || "(anonymous)";
  return { key: `${fn}@${where}`, fn, where };
};

export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const msPerHit = hits === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / hits;
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const busyMs = (hits - idle) * msPerHit;
  const pct = (ms: number) => (busyMs === 0 ? 0 : (100 * ms) / busyMs);

  const self = new Map<string, Hotspot>();
  for (const node of profile.nodes) {
    const { key, fn, where } = keyOf(node);
    if (fn === "(idle)") continue;
    const h = self.get(key) ?? { fn, where, ms: 0, pct: 0 };
    h.ms += (node.hitCount ?? 0) * msPerHit;
    self.set(key, h);
  }

  const inclusive = new Map<string, Hotspot>();
  const onStack = new Map<string, number>();
  const walk = (node: ProfileNode): number => {
    const { key, fn, where } = keyOf(node);
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    let ms = (node.hitCount ?? 0) * msPerHit;
    for (const child of node.children ?? []) ms += walk(byId.get(child)!);
    onStack.set(key, onStack.get(key)! - 1);
    // Ours: src/ in a bridge; in the Worker everything is one bundle, worker.js.
    if (onStack.get(key) === 0 && (where.startsWith("src/") || where.startsWith("worker.js"))) {
      const h = inclusive.get(key) ?? { fn, where, ms: 0, pct: 0 };
      h.ms += ms;
      inclusive.set(key, h);
    }
    return ms;
  };
  const root = profile.nodes[0];
  if (root) walk(root);

  const rank = (m: Map<string, Hotspot>) =>
    [...m.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((h) => ({ ...h, pct: pct(h.ms) }));
  return { busyMs, self: rank(self), inclusive: rank(inclusive) };
}
