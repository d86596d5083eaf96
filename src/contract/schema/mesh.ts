import { z } from "zod";
import { strictObject } from "./strict-object.js";

/** `Mesh.spec`: mTLS mode (CA settings come with the mesh CA). */
export const meshSpec = strictObject({
  mtls: strictObject({ mode: z.enum(["disabled", "permissive", "strict"]) }).optional(),
});
