import { writeToLastAckMs } from "../ack-wait.js";
import type { ResourceStatus } from "../../contract/rollout.js";
import { UsageError } from "../errors.js";
import { describeResource, resourcePath } from "../kinds.js";
import { yesNo } from "../output.js";
import { renderTable } from "../table.js";
import { formatWaterfall } from "../trace-waterfall.js";
import { emit, targetArg, type CommandContext } from "./context.js";

/**
 * `status KIND NAME`: which zones applied the resource's revision and which
 * proxies ACKed, NACKed or still wait for it; with `--trace`, where its
 * time went, hop by hop, as a waterfall.
 *
 * @example edgeplane status httproute echo-split --trace
 */
export async function statusCommand(ctx: CommandContext): Promise<number> {
  const t = targetArg(ctx);
  // /v1/zones/{name}/status is the zone's own state, another shape.
  if (t.kind === "Zone") {
    throw new UsageError(`status takes a Mesh or a resource in a mesh; for zones and their bridges see \`edgeplane zones\``, "status");
  }
  const status = await (await ctx.client()).request<ResourceStatus>("GET", `${resourcePath(t.kind, t.mesh, t.name)}/status`);
  emit(ctx, status, () => (ctx.line.options.trace ? formatTraced(status) : formatStatus(status)));
  return 0;
}

/**
 * The human status: a heading, the zones table, the proxies table and a
 * summary line.
 *
 * @example formatStatus(status) // "HTTPRoute default/echo-split revision 15, written ...\n\nZONE ..."
 */
export function formatStatus(s: ResourceStatus): string {
  const heading = `${describeResource(s.kind, s.mesh, s.name)} revision ${s.revision}${s.deleted ? " (deleted)" : ""}, written ${s.writtenAt}\n`;
  const zones = s.zones.length === 0 ? "no zone\n" : renderTable(["ZONE", "APPLIED", "REVISION"], s.zones.map((z) => [z.zone, yesNo(z.applied), String(z.appliedRevision)]));
  const proxies =
    s.proxies.length === 0
      ? "no proxy uses it\n"
      : renderTable(
          ["PROXY", "ZONE", "BRIDGE", "CONNECTED", "STATE", "REVISION", "WRITE→ACK", "ERROR"],
          s.proxies.map((p) => [
            p.joinedAfterWrite ? `${p.proxyId} (joined later)` : p.proxyId,
            p.zone,
            p.bridgeId,
            yesNo(p.connected),
            p.state,
            String(p.revision),
            p.writeToAckMs === undefined ? "" : `${p.writeToAckMs}ms`,
            p.errorDetail ?? "",
          ]),
        );
  const slowest = writeToLastAckMs(s);
  const summary =
    `${s.summary.proxies} prox${s.summary.proxies === 1 ? "y" : "ies"}: ${s.summary.acked} ACKed, ${s.summary.nacked} NACKed, ${s.summary.pending} pending` +
    (s.done ? `; done${slowest === undefined ? "" : ` (${slowest} ms from write to the last ACK)`}` : "; not done") +
    (s.summary.joinedLater > 0 ? `; ${s.summary.joinedLater} joined after the write (counted apart)` : "");
  return `${heading}\n${zones}\n${proxies}${summary}\n`;
}

/**
 * The heading, then the trace's waterfall (an API without traces answers
 * no `trace`: said so, rather than drawn empty).
 *
 * @example formatTraced(status) // "HTTPRoute default/echo-split revision 15, written ...\n\nzone default ..."
 */
export function formatTraced(s: ResourceStatus): string {
  const heading = `${describeResource(s.kind, s.mesh, s.name)} revision ${s.revision}${s.deleted ? " (deleted)" : ""}, written ${s.writtenAt}; ms after the commit, ± what the clock offsets allow\n`;
  if (!(s as Partial<ResourceStatus>).trace) return `${heading}\nthis server does not report traces\n`;
  return `${heading}\n${formatWaterfall(s.trace)}`;
}
