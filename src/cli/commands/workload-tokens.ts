import { UsageError } from "../errors.js";
import { renderTable } from "../table.js";
import { emit, type CommandContext } from "./context.js";

interface WorkloadTokenView {
  id: string;
  mesh: string;
  service: string;
  zone: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt: string | null;
}

/**
 * `workload-token create|list|revoke`: the mesh's workload-token routes. A
 * created token goes to stdout alone, to be piped into the proxy's
 * bootstrap (node metadata `token`); what it admits goes to stderr.
 *
 * @example edgeplane workload-token create --service echo -m default --ttl 720h > echo.token
 */
export async function workloadTokenCommand(ctx: CommandContext): Promise<number> {
  const [action, arg] = ctx.line.args;
  const o = ctx.line.options;
  const base = `/v1/meshes/${encodeURIComponent(o.mesh)}/workload-tokens`;
  switch (action) {
    case "create": {
      if (!o.service) throw new UsageError("workload-token create needs --service: the service the proxy declares", "workload-token");
      const issued = await (await ctx.client()).request<WorkloadTokenView & { token: string }>("POST", base, {
        json: { service: o.service, ...(o.zone ? { zone: o.zone } : {}), ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}) },
      });
      emit(ctx, issued, () => `${issued.token}\n`);
      if (o.output === "table") ctx.io.stderr(`workload token ${issued.id} for ${issued.mesh}/${issued.service}${issued.zone ? ` in zone ${issued.zone}` : ""}, expires ${issued.expiresAt}\n`);
      return 0;
    }
    case "list": {
      const list = await (await ctx.client()).request<{ items: WorkloadTokenView[] }>("GET", base);
      emit(ctx, list, () =>
        renderTable(
          ["ID", "SERVICE", "ZONE", "BY", "EXPIRES", "REVOKED"],
          list.items.map((t) => [t.id, t.service, t.zone ?? "", t.createdBy, t.expiresAt, t.revokedAt ?? ""]),
        ),
      );
      return 0;
    }
    case "revoke": {
      if (!arg) throw new UsageError("workload-token revoke needs the token's id (see `edgeplane workload-token list`)", "workload-token");
      const view = await (await ctx.client()).request<WorkloadTokenView>("DELETE", `${base}/${encodeURIComponent(arg)}`);
      emit(ctx, view, () => `workload token ${view.id} revoked at ${view.revokedAt}; bridges drop the proxies using it\n`);
      return 0;
    }
    default:
      throw new UsageError(`workload-token takes create, list or revoke, not "${action ?? ""}"`, "workload-token");
  }
}
