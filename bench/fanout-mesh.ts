/**
 * The in-process benches' mesh (bridge-fanout.ts, publish-change.ts): one
 * Service `s<i>` with one Workload per service, all in mesh "default".
 */
import { validateResource } from "../src/contract/resource-schema.js";
import type { Resource } from "../src/contract/resource-types.js";
import { ZoneModel } from "../src/contract/zone-model.js";

const doc = (d: object): Resource => validateResource(d);
export const svc = (i: number, port = 8080) => doc({ kind: "Service", metadata: { name: `s${i}`, mesh: "default" }, spec: { ports: [{ port }] } });
export const wl = (i: number, octet: number) =>
  doc({ kind: "Workload", metadata: { name: `s${i}-w`, mesh: "default" }, spec: { service: `s${i}`, address: `10.${i >> 8}.${i & 255}.${octet}`, port: 9000, zone: "a", health: "healthy" } });

/** `services` services with a workload each, and the revision the last one was written at. */
export function fanoutModel(services: number): { model: ZoneModel; revision: number } {
  const model = new ZoneModel();
  let revision = 0;
  for (let i = 0; i < services; i++) {
    model.put(svc(i), ++revision);
    model.put(wl(i, 1), ++revision);
  }
  model.revision = revision;
  return { model, revision };
}
