import { z } from "zod";

/**
 * Answers of the API whose shape the OpenAPI document states (route-table.ts),
 * declared once: the service's types below are their outputs.
 */

export { applyResponseSchema as applyResult, writeResultSchema as writeResult } from "../contract/write-result.js";

/** `GET /v1/revision`: the newest journal seq. */
export const revisionHead = z.object({ revision: z.int() });
