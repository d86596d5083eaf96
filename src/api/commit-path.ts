import type { ResourceKey } from "../contract/resource-types.js";
import type { ApplyResponse } from "../contract/write-result.js";
import { publishEvents } from "../events/publish.js";
import { notifyZones } from "../global/zone-notifier.js";
import { ResourceStore } from "../store/resource-store.js";
import type { ApiContext } from "./app-env.js";
import type { Outcome } from "./resource-service.js";

/** How a write route answers: the stored document (PUT, rollback), the one result (DELETE), or the bundle's results (apply). */
export type WriteAnswer = { shape: "document"; key: ResourceKey } | { shape: "result" } | { shape: "bundle"; dryRun: boolean };

/**
 * The one path every committed write leaves the API by (kuma's resource
 * manager raises one change event per write, whoever wrote): wake the zones
 * and publish `written` once the answer is on its way, then answer in the
 * route's shape. PUT, DELETE, apply and rollback all end here, so none can
 * forget a step.
 *
 * @example return answerWrite(c, await service.put(resource), { shape: "document", key });
 */
export async function answerWrite(c: ApiContext, outcome: Outcome, answer: WriteAnswer): Promise<Response> {
  if (!(answer.shape === "bundle" && answer.dryRun)) announce(c, outcome);
  switch (answer.shape) {
    case "document": {
      const result = outcome.results[0]!;
      c.header("ETag", `"${result.revision}"`);
      // The one-batch put read it back in its own batch; other writes read it now.
      const stored = outcome.stored ?? (await new ResourceStore(c.env.DB).get(answer.key));
      // Warnings ride beside the document (documents accept and ignore the field, so the answer can be written back).
      const body = stored && outcome.warnings.length > 0 ? { ...stored.resource, warnings: outcome.warnings.map(({ field, message, proxies }) => ({ field, message, proxies })) } : (stored?.resource ?? null);
      return c.json(body, result.action === "created" ? 201 : 200);
    }
    case "result": {
      // A cascading delete also names what it deleted with the resource.
      const [first, ...cascaded] = outcome.results;
      return c.json(cascaded.length > 0 ? { ...first, cascaded } : first);
    }
    case "bundle":
      return c.json({
        dryRun: answer.dryRun,
        revision: outcome.revision ?? null,
        results: outcome.results,
        warnings: outcome.warnings,
        ...(outcome.converted.length > 0 ? { converted: outcome.converted } : {}),
      } satisfies ApplyResponse);
  }
}

/** Wakes the zones and tells the event stream, after the response is on its way. */
function announce(c: ApiContext, outcome: Outcome): void {
  if (outcome.revision === undefined) return;
  // The D1 batch has returned: this is when the write was committed, as this Worker's clock reads it.
  const atMs = Date.now();
  c.executionCtx.waitUntil(notifyZones(c.env, outcome.revision, atMs, outcome.journal ?? [], outcome.zones));
  const claims = c.get("principal");
  const author = { by: claims?.sub ?? "", source: c.req.query("source") ?? claims?.sub ?? "" };
  const written = outcome.results
    .filter((r) => r.action !== "unchanged")
    .map((r) => ({ type: "written" as const, mesh: r.kind === "Mesh" ? r.name : r.mesh, kind: r.kind, name: r.name, revision: r.revision, atMs, ...author }));
  c.executionCtx.waitUntil(publishEvents(c.env, written));
}
