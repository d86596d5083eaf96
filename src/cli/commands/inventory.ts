import type { ProxyList, ProxyTypeState, ZoneList } from "../../contract/zone-status.js";
import { yesNo } from "../output.js";
import { renderTable } from "../table.js";
import { emit, type CommandContext } from "./context.js";

/** The order in which xDS types build on each other; unknown types follow, sorted. */
const TYPE_ORDER = ["Listener", "RouteConfiguration", "Cluster", "ClusterLoadAssignment"];

/**
 * `proxies [-m MESH]`: every proxy of the mesh, its zone and bridge, and per
 * xDS type whether it holds the newest configuration.
 *
 * @example edgeplane proxies -m default
 */
export async function proxiesCommand(ctx: CommandContext): Promise<number> {
  const mesh = ctx.line.options.mesh;
  const answer = await (await ctx.client()).request<ProxyList>("GET", `/v1/meshes/${encodeURIComponent(mesh)}/proxies`, {
    query: ctx.line.options.all ? { all: "true" } : {},
  });
  emit(ctx, answer, () => formatProxies(answer));
  return 0;
}

/**
 * The proxies table: in a mesh with mTLS each proxy's SPIFFE ID and
 * certificate expiry, one column per xDS type with `STATE@revision`, then the
 * error of each NACKed type on its own line (Envoy's details are long).
 *
 * @example formatProxies({ items: [] }) // "No proxies.\n"
 */
export function formatProxies(answer: Pick<ProxyList, "items">): string {
  if (answer.items.length === 0) return "No proxies.\n";
  const seen = new Set(answer.items.flatMap((p) => Object.keys(p.types)));
  const types = [...TYPE_ORDER.filter((t) => seen.has(t)), ...[...seen].filter((t) => !TYPE_ORDER.includes(t)).sort()];
  const cell = (s: ProxyTypeState | undefined) => (s ? `${s.state}@${s.revision}` : "");
  // Identity columns only where some proxy has one (a mesh with mTLS).
  const identities = answer.items.some((p) => p.identity !== undefined);
  const table = renderTable(
    ["PROXY", "ZONE", "BRIDGE", "CONNECTED", ...(identities ? ["IDENTITY", "CERT EXPIRES"] : []), ...types.map((t) => t.toUpperCase())],
    answer.items.map((p) => [
      p.proxyId,
      p.zone,
      p.bridgeId,
      yesNo(p.connected),
      ...(identities ? [p.identity ?? "", p.certificateNotAfter ?? (p.identity ? "(none yet)" : "")] : []),
      ...types.map((t) => cell(p.types[t])),
    ]),
  );
  const errors = answer.items.flatMap((p) =>
    Object.entries(p.types)
      .filter(([, s]) => s.state === "NACKED")
      .map(([t, s]) => `${p.proxyId} ${t} NACKED at revision ${s.revision}: ${s.errorDetail ?? "(no error_detail)"}`),
  );
  return table + (errors.length > 0 ? `\n${errors.join("\n")}\n` : "");
}

/**
 * `zones`: every zone, declared or seen, its revision, its lag behind the
 * journal and its bridges.
 *
 * @example edgeplane zones -o json
 */
export async function zonesCommand(ctx: CommandContext): Promise<number> {
  const inventory = await (await ctx.client()).request<ZoneList>("GET", "/v1/zones");
  emit(ctx, inventory, () => formatZones(inventory));
  return 0;
}

/** The zones table; BRIDGES counts connected of known bridges. */
export function formatZones(inventory: ZoneList): string {
  if (inventory.items.length === 0) return "No zones.\n";
  return renderTable(
    ["NAME", "DECLARED", "REVISION", "LAG", "BRIDGES"],
    inventory.items.map((z) => [z.name, yesNo(z.declared), String(z.revision), String(z.lag), `${z.bridges.filter((b) => b.connected).length}/${z.bridges.length} connected`]),
  );
}
