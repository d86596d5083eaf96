import { z } from "zod";
import { labels, name } from "./schema/fields.js";
import { ignored, strictObject } from "./schema/strict-object.js";

/**
 * What every SMI document's metadata may hold, and the metadata of the
 * Edgeplane document it becomes: the same name, mesh and namespace, its
 * labels plus `edgeplane.io/converted-from` naming the SMI kind and version.
 * Shared by the TrafficSplit (smi-conversion.ts) and TrafficTarget
 * (smi-traffic-target.ts) conversions.
 */

export const CONVERTED_FROM_LABEL = "edgeplane.io/converted-from";

export const smiMetadata = strictObject({
  name,
  namespace: name.optional(),
  mesh: name.optional(),
  labels: labels.optional(),
  uid: ignored("Kubernetes tools add it; ignored"),
});

/** @example convertedMetadata(m, "TrafficSplit.v1alpha4.split.smi-spec.io").labels["edgeplane.io/converted-from"] */
export function convertedMetadata(m: z.output<typeof smiMetadata>, convertedFrom: string) {
  return {
    name: m.name,
    ...(m.mesh === undefined ? {} : { mesh: m.mesh }),
    ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
    labels: { ...m.labels, [CONVERTED_FROM_LABEL]: convertedFrom },
  };
}
