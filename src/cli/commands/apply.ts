import { pendingLines, waitForAcks, writeToLastAckMs, type WaitOutcome, type WaitTarget } from "../ack-wait.js";
import type { ApplyResponse, WriteResult } from "../../contract/write-result.js";
import { ApiRequestError, CliError } from "../errors.js";
import { describeResource } from "../kinds.js";
import { renderData } from "../output.js";
import { bundleBody, describeSource, readSources } from "../sources.js";
import { renderTable } from "../table.js";
import type { ApiClient } from "../http-client.js";
import type { CommandContext } from "./context.js";

/**
 * `apply -f FILE|DIR|- [--dry-run] [--wait]`: one POST /v1/apply with every
 * document, so the bundle is all or nothing; with --wait, then waits until
 * every proxy concerned ACKed what was written.
 *
 * @example edgeplane apply -f examples/demo.yaml --wait --timeout 30s
 */
export async function applyCommand(ctx: CommandContext): Promise<number> {
  const { options } = ctx.line;
  const docs = await readSources(options.files, ctx.io.readStdin);
  const client = await ctx.client();
  const started = ctx.io.now();
  let answer: ApplyResponse;
  try {
    answer = await client.request<ApplyResponse>("POST", "/v1/apply", {
      query: {
        mesh: options.mesh,
        dryRun: options.dryRun ? "true" : undefined,
        source: options.source,
        prune: options.prune ? "true" : undefined,
        force: options.force ? "true" : undefined,
      },
      body: bundleBody(docs),
      contentType: "application/yaml",
    });
  } catch (err) {
    // The API counts documents in the bundle; the user thinks in files and lines.
    const at = err instanceof ApiRequestError && err.body.document !== undefined ? docs[err.body.document] : undefined;
    throw at && err instanceof ApiRequestError ? err.locatedAt(describeSource(at)) : err;
  }
  const written = ctx.io.now();
  // Like kubectl's warnings: on stderr, whatever the output format, so -o json stays parseable.
  ctx.io.stderr(warningLines(answer, docs.map(describeSource)));

  return finishWrite(ctx, client, answer, written - started);
}

/**
 * Prints what a write did and, with --wait, waits until every proxy
 * concerned ACKed it (apply and rollback alike). `requestMs` is how long the
 * write itself took.
 *
 * @example return finishWrite(ctx, client, answer, 25);
 */
export async function finishWrite(ctx: CommandContext, client: ApiClient, answer: ApplyResponse, requestMs: number): Promise<number> {
  const { options } = ctx.line;
  if (!options.wait) {
    printApplied(ctx, answer);
    return 0;
  }
  const written = ctx.io.now();
  const targets = waitTargets(answer.results);
  if (options.output === "table") {
    printApplied(ctx, answer);
    if (targets.length === 0) ctx.io.stdout("nothing was written; nothing to wait for\n");
    else ctx.io.stdout(`waiting for proxies to ACK ${targets.length} resource(s) (timeout ${options.timeoutMs / 1000}s)...\n`);
  }
  const outcomes = await waitForAcks(client, targets, { timeoutMs: options.timeoutMs, now: ctx.io.now });
  const waitedMs = ctx.io.now() - written;
  if (options.output === "table") ctx.io.stdout(waitReport(outcomes, waitedMs, requestMs));
  else ctx.io.stdout(renderData({ ...answer, wait: outcomes.map(machineOutcome), waitedMs }, options.output));
  return failIfNotAcked(outcomes, options.timeoutMs);
}

function printApplied(ctx: CommandContext, answer: ApplyResponse): void {
  const format = ctx.line.options.output;
  if (format !== "table") {
    ctx.io.stdout(renderData(answer, format));
    return;
  }
  const verb = (r: WriteResult) => (answer.dryRun ? (r.action === "unchanged" ? "unchanged" : `would be ${r.action}`) : r.action);
  const rows = answer.results.map((r) => [describeResource(r.kind, r.mesh, r.name), verb(r), answer.dryRun || r.revision === 0 ? "" : String(r.revision)]);
  ctx.io.stdout(renderTable(["RESOURCE", answer.dryRun ? "PLAN" : "RESULT", "REVISION"], rows));
  if (answer.dryRun) ctx.io.stdout("dry run: nothing was written\n");
}

/**
 * The human lines for an apply answer's warnings (fields some proxies will
 * not apply) and conversions (SMI documents stored as HTTPRoutes), each
 * naming the document as the user knows it (`sources[i]`).
 *
 * @example warningLines(answer, ["routes.yaml:1"]) // "Warning: HTTPRoute default/web spec.healthCheck (routes.yaml:1): ... [proxyless]\n"
 */
export function warningLines(answer: Pick<ApplyResponse, "warnings" | "converted">, sources: readonly string[]): string {
  const lines = [
    ...(answer.converted ?? []).map((c) => {
      const r = c.resource as { kind?: string; metadata?: { name?: string; mesh?: string } };
      return `Converted: ${c.from} (${sources[c.document] ?? `document ${c.document}`}) is stored as ${describeResource("HTTPRoute", r.metadata?.mesh ?? "", r.metadata?.name ?? "")}`;
    }),
    ...(answer.warnings ?? []).map((w) => `Warning: ${describeResource(w.kind, w.mesh, w.name)} ${w.field} (${sources[w.document] ?? `document ${w.document}`}): ${w.message} [${w.proxies}]`),
  ];
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/**
 * Which results to wait for: resources that got a new revision (unchanged
 * documents were not pushed). Zones are left out: `/v1/zones/{name}/status`
 * is the zone's own state, not a rollout.
 */
export function waitTargets(results: readonly WriteResult[]): WaitTarget[] {
  return results
    .filter((r) => (r.action === "created" || r.action === "updated") && r.kind !== "Zone")
    .map((r) => ({ kind: r.kind, mesh: r.mesh, name: r.name, revision: r.revision }));
}

/** The human lines after a wait: per resource who ACKed and how fast. */
export function waitReport(outcomes: readonly WaitOutcome[], waitedMs: number, requestMs: number): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    const what = `${describeResource(o.target.kind, o.target.mesh, o.target.name)} revision ${o.target.revision}`;
    if (o.result === "acked") {
      const n = o.status.proxies.filter((p) => p.state === "ACK").length;
      // The API counts a disconnected proxy as done (it gets the change when it comes back); say so.
      const away = o.status.proxies.filter((p) => !p.connected && p.state !== "ACK").length;
      const ms = writeToLastAckMs(o.status);
      const acked = n === 0 ? "no connected proxy to wait for" : `ACKed by ${plural(n, "proxy", "proxies")}${ms === undefined ? "" : `, ${ms} ms from write to the last ACK`}`;
      lines.push(`${what}: ${acked}${away > 0 ? ` (${plural(away, "disconnected proxy", "disconnected proxies")} will get it when back)` : ""}`);
    } else if (o.result === "nacked") {
      lines.push(`${what}: NACKed`);
    } else if (o.result === "timeout") {
      lines.push(`${what}: not ACKed by every proxy in time`);
    }
  }
  if (outcomes.length > 0 && outcomes.every((o) => o.result === "acked")) {
    const slowest = Math.max(...outcomes.map((o) => (o.result === "acked" ? (writeToLastAckMs(o.status) ?? 0) : 0)));
    lines.push(`all ACKed: ${slowest > 0 ? `${slowest} ms from write to the last ACK (control plane clock); ` : ""}${requestMs + waitedMs} ms from request to done here`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function failIfNotAcked(outcomes: readonly WaitOutcome[], timeoutMs: number): number {
  const nacked = outcomes.flatMap((o) => (o.result === "nacked" ? o.nacks.map((p) => ({ o, p })) : []));
  if (nacked.length > 0) {
    throw new CliError(
      "a proxy refused the new configuration (NACK)",
      nacked.map(
        ({ o, p }) =>
          `proxy ${p.proxyId} (zone ${p.zone}) NACKed ${describeResource(o.target.kind, o.target.mesh, o.target.name)} revision ${o.target.revision}` +
          `${p.typeUrl ? ` (${p.typeUrl.split(".").pop()})` : ""}: ${p.errorDetail ?? "(no error_detail)"}`,
      ),
    );
  }
  const late = outcomes.filter((o) => o.result === "timeout");
  if (late.length > 0) {
    throw new CliError(
      `timed out after ${timeoutMs / 1000}s waiting for ACKs`,
      late.flatMap((o) => pendingLines(o.target, o.status).map((l) => `${describeResource(o.target.kind, o.target.mesh, o.target.name)}: ${l}`)),
    );
  }
  return 0;
}

function machineOutcome(o: WaitOutcome): Record<string, unknown> {
  const base: Record<string, unknown> = { ...o.target, result: o.result };
  if (o.status) base.writeToLastAckMs = writeToLastAckMs(o.status) ?? null;
  if (o.result === "nacked") base.nacks = o.nacks;
  if (o.status) base.status = o.status;
  return base;
}
