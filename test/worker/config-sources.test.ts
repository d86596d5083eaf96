/**
 * Who wrote what, and config sources with their own domains (issue 10):
 * the journal records principal and source, a source cannot change what
 * another owns without force, and a pruning apply makes a source's
 * resources exactly its bundle.
 */
import { describe, expect, it } from "vitest";
import { call, journalHead, route, service } from "./api-helpers.js";
import { apiToken } from "./api-token.js";

const as = async (sub: string, sources?: string[]) => ({
  authorization: `Bearer ${await apiToken("writer", ["default"], { sub, ...(sources ? { sources } : {}) })}`,
});

describe("who wrote what", () => {
  it("records the principal and the source of every write in history, and the source on the resource", async () => {
    await call("PUT", "/v1/meshes/default/services/src-a", service("src-a"), await as("alice"));
    await call("PUT", "/v1/meshes/default/services/src-a?source=team-a&force=true", service("src-a", 1234), await as("alice", ["team-a"]));
    const history = await call("GET", "/v1/meshes/default/services/src-a/history");
    expect((history.body.items as { by: string; source: string }[]).map((e) => [e.by, e.source])).toEqual([
      ["alice", "team-a"],
      ["alice", "alice"],
    ]);
    const stored = await call("GET", "/v1/meshes/default/services/src-a");
    expect((stored.body.metadata as { source: string }).source).toBe("team-a");
  });
});

describe("config sources", () => {
  it("refuses a write over another source's resource unless forced, and a source the token may not use", async () => {
    await call("PUT", "/v1/meshes/default/services/src-b", service("src-b"), await as("pipeline-a"));
    const before = await journalHead();
    const refused = await call("PUT", "/v1/meshes/default/services/src-b", service("src-b", 999), await as("pipeline-b"));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "owned_by_other_source" });
    expect(String(refused.body.message)).toContain('"pipeline-a"');
    expect((await call("DELETE", "/v1/meshes/default/services/src-b", undefined, await as("pipeline-b"))).status).toBe(409);
    expect(await journalHead()).toBe(before);
    expect((await call("PUT", "/v1/meshes/default/services/src-b?force=true", service("src-b", 999), await as("pipeline-b"))).status).toBe(200);
    const notMine = await call("PUT", "/v1/meshes/default/services/src-c?source=pipeline-a", service("src-c"), await as("pipeline-b"));
    expect(notMine.status).toBe(403);
    expect(notMine.body.field).toBe("source");
    expect((await call("PUT", "/v1/meshes/default/services/src-c?source=zone/west", service("src-c"))).status).toBe(403);
  });

  it("prunes exactly what left a source's bundle, in one batch, and shows the plan on a dry run", async () => {
    const writer = await as("ci", ["gitops"]);
    const bundle = (names: string[]) => names.map((n) => service(n));
    const first = await call("POST", "/v1/apply?source=gitops&prune=true", bundle(["git-a", "git-b", "git-c"]), writer);
    expect(first.status).toBe(200);
    await call("PUT", "/v1/meshes/default/services/not-git", service("not-git"), await as("someone-else"));

    const plan = await call("POST", "/v1/apply?source=gitops&prune=true&dryRun=true", bundle(["git-a", "git-d"]), writer);
    expect((plan.body.results as { name: string; action: string }[]).map((r) => [r.name, r.action]).sort()).toEqual([
      ["git-a", "unchanged"],
      ["git-b", "deleted"],
      ["git-c", "deleted"],
      ["git-d", "created"],
    ]);
    const head = await journalHead();
    const synced = await call("POST", "/v1/apply?source=gitops&prune=true", bundle(["git-a", "git-d"]), writer);
    expect(synced.status).toBe(200);
    expect(await journalHead()).toBe(head + 3);
    for (const [name, status] of [["git-a", 200], ["git-b", 404], ["git-c", 404], ["git-d", 200], ["not-git", 200]] as const) {
      expect((await call("GET", `/v1/meshes/default/services/${name}`)).status).toBe(status);
    }
    expect((await call("POST", "/v1/apply?prune=true", bundle(["git-a"]), writer)).status).toBe(400);
  });

  it("refuses a prune that would leave another source's route pointing at nothing", async () => {
    const writer = await as("ci2", ["gitops-2"]);
    await call("POST", "/v1/apply?source=gitops-2&prune=true", [service("g2-svc")], writer);
    await call("PUT", "/v1/meshes/default/httproutes/g2-route", route("g2-route", "g2-svc", [{ name: "g2-svc" }]), await as("other-team"));
    const before = await journalHead();
    const refused = await call("POST", "/v1/apply?source=gitops-2&prune=true", [service("g2-other")], writer);
    expect(refused.status).toBe(409);
    expect(String(refused.body.message)).toContain('HTTPRoute "g2-route"');
    expect(await journalHead()).toBe(before);
  });
});
