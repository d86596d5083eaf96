import { z } from "zod";
import { ipAddress, labels, MAX_WEIGHT, name, port } from "./fields.js";
import { strictObject } from "./strict-object.js";

export const health = z.enum(["healthy", "unhealthy"]);

/** `Workload.spec`: one endpoint of a service, usually registered by a bridge. */
export const workloadSpec = strictObject({
  service: name,
  address: ipAddress,
  port,
  zone: name,
  labels: labels.optional(),
  health: health.optional(),
  /** How many instances this endpoint stands for (a remote zone's ingress
   * stands for all its healthy endpoints of the service); 1 when omitted. */
  weight: z.int().min(1).max(MAX_WEIGHT).optional(),
});
