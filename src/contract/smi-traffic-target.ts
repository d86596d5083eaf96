import { z } from "zod";
import { name } from "./schema/fields.js";
import { strictObject } from "./schema/strict-object.js";
import { parseOrThrow } from "./schema-errors.js";
import { convertedMetadata, smiMetadata } from "./smi-metadata.js";
import { ValidationError } from "./validation-error.js";

/**
 * SMI's `access.smi-spec.io` TrafficTarget (v1alpha2, v1alpha3) as the
 * TrafficPermission it means: the destination ServiceAccount is the Service
 * of that name (an Edgeplane identity is `spiffe://<mesh>/<service>`), and
 * each source ServiceAccount is an allowed caller. Edgeplane grants a caller
 * the whole Service, so only rules of kind TCPRoute (all traffic) are taken;
 * an HTTPRouteGroup rule, which would allow some paths only, is refused
 * rather than silently widened.
 */

export const TRAFFIC_TARGET_GROUP = "access.smi-spec.io";
export const TRAFFIC_TARGET_VERSIONS = ["v1alpha2", "v1alpha3"] as const;

const account = strictObject({ kind: z.literal("ServiceAccount"), name, namespace: name.optional() });

const trafficTarget = strictObject({
  apiVersion: z.string(),
  kind: z.literal("TrafficTarget"),
  metadata: smiMetadata,
  spec: strictObject({
    destination: account,
    sources: z.array(account).min(1).max(64),
    rules: z.array(strictObject({ kind: z.string().max(64), name: z.string().max(253), matches: z.array(z.string().max(253)).max(64).optional() })).min(1).max(16),
  }),
});

/**
 * @example trafficTargetToPermission(doc, "v1alpha3").kind // "TrafficPermission"
 */
export function trafficTargetToPermission(doc: unknown, version: string): unknown {
  const { metadata: m, spec } = parseOrThrow(trafficTarget, doc);
  spec.rules.forEach((rule, i) => {
    if (rule.kind !== "TCPRoute") {
      throw new ValidationError(
        "unsupported_field",
        `spec.rules[${i}].kind`,
        `a TrafficTarget rule of kind ${rule.kind} would allow only part of the Service's traffic; Edgeplane allows a caller the whole Service`,
        "use a rule of kind TCPRoute (all traffic), or write a TrafficPermission",
      );
    }
  });
  return {
    kind: "TrafficPermission",
    metadata: convertedMetadata(m, `TrafficTarget.${version}.${TRAFFIC_TARGET_GROUP}`),
    spec: {
      targetRef: { kind: "Service", name: spec.destination.name },
      rules: [{ from: spec.sources.map((s) => ({ kind: "Service", name: s.name })), action: "Allow" }],
    },
  };
}
