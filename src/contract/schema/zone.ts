import { z } from "zod";
import { port } from "./fields.js";
import { strictObject } from "./strict-object.js";

/** `Zone.spec`. */
export const zoneSpec = strictObject({
  /** Where other zones reach this zone's services (issue 4). */
  ingress: strictObject({ address: z.string().max(253), port }).optional(),
});
