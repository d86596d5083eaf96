/**
 * Mesh identity timings (issue 11), on the demo mesh's bridge with an
 * XdsServer process and an xDS client (scripts/lib/mtls-pair.ts) in a mesh
 * of their own, started without mTLS as a new user's would be. Per round:
 *
 * - `mode: strict` written -> the first call the server answers over mTLS
 *   (the client's SPIFFE ID in the reply). The first round includes making
 *   the mesh CA and both certificates; later rounds reuse the certificates.
 * - a Deny TrafficPermission written -> the first call refused with
 *   PERMISSION_DENIED.
 * Then the permission is deleted and mTLS disabled again (not timed).
 *
 *   node --import tsx bench/mesh-identity.ts [--rounds 5]
 *
 * Prints a table and writes bench/results/mesh-identity.json.
 */
import { status } from "@grpc/grpc-js";
import { parseArgs } from "node:util";
import type { EchoClient } from "../examples/echo/echo-backend.js";
import { startMesh } from "../scripts/lib/local-mesh.js";
import { startMtlsPair } from "../scripts/lib/mtls-pair.js";
import { writeResult } from "./result-file.js";
import { runRounds } from "./rounds.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
const MESH = "bench-identity";
const meshDoc = (mode: string) => ({ kind: "Mesh", metadata: { name: MESH }, spec: { mtls: { mode } } });
const deny = { kind: "TrafficPermission", metadata: { name: "deny-web", mesh: MESH }, spec: { targetRef: { kind: "Service", name: "echo-id" }, rules: [{ from: [{ kind: "Service", name: "web-id" }], action: "Deny" }] } };

/** Calls back to back until one outcome satisfies `pred`; ms since `from`. */
async function until(client: EchoClient, pred: (outcome: string) => boolean, from: number, what: string): Promise<number> {
  const deadline = from + 60_000;
  while (Date.now() < deadline) {
    const outcome = await client.callFull("ping").then(
      (r) => r.message,
      (err: { code?: number }) => `code ${err.code ?? "?"}`,
    );
    if (pred(outcome)) return Date.now() - from;
  }
  throw new Error(`${what}: not within 60 s`);
}

const firstEnable: number[] = [];
const enable: number[] = [];
const refuse: number[] = [];
const mesh = await startMesh();
try {
  await mesh.api("PUT", `/v1/meshes/${MESH}`, meshDoc("disabled"));
  const pair = await startMtlsPair(mesh, { meshName: MESH, server: "echo-id", client: "web-id", meshDoc });
  try {
    await until(pair.client, (o) => o === "plaintext", Date.now(), "plaintext calls");
    await runRounds(rounds, "round", async (i) => {
      const t0 = Date.now();
      await mesh.api("PUT", `/v1/meshes/${MESH}`, meshDoc("strict"));
      (i === 0 ? firstEnable : enable).push(await until(pair.client, (o) => o.startsWith("spiffe://"), t0, "the first mTLS call"));
      const t1 = Date.now();
      await mesh.api("PUT", `/v1/meshes/${MESH}/trafficpermissions/deny-web`, deny);
      refuse.push(await until(pair.client, (o) => o === `code ${status.PERMISSION_DENIED}`, t1, "the first refused call"));
      await mesh.api("DELETE", `/v1/meshes/${MESH}/trafficpermissions/deny-web`);
      await until(pair.client, (o) => o.startsWith("spiffe://"), Date.now(), "calls allowed again");
      await pair.setMode("disabled");
      await until(pair.client, (o) => o === "plaintext", Date.now(), "plaintext again");
    });
  } finally {
    await pair.stop();
  }
} finally {
  await mesh.stop();
}

await writeResult("mesh-identity", { rounds }, {
  firstEnable: { measure: "strict written -> first mTLS call, first time: CA + certificates (ms)", samples: firstEnable },
  enable: { measure: "strict written -> first mTLS call, certificates held (ms)", samples: enable },
  refuse: { measure: "Deny TrafficPermission written -> first PERMISSION_DENIED (ms)", samples: refuse },
});
