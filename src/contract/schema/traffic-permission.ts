import { z } from "zod";
import { addFault } from "../schema-errors.js";
import { name } from "./fields.js";
import { strictObject } from "./strict-object.js";

/**
 * `TrafficPermission`: who may call a Service. A Service no permission
 * targets accepts every identity of its mesh; once one targets it, only the
 * identities an `Allow` rule names get in. For each caller the most specific
 * rule decides (across every permission on that Service): one naming its
 * Service beats a `kind: Mesh` one, and at the same level a `Deny` wins over
 * an `Allow`. So "Allow web; Deny Mesh" lets web in and no one else. Identities are the callers'
 * SPIFFE IDs, so it needs mTLS: the API refuses it in a `disabled` mesh.
 */
/** A caller: one Service's identity, or (`kind: Mesh`, no name) every identity of the mesh. */
const source = strictObject({ kind: z.enum(["Service", "Mesh"]), name: name.optional() }).superRefine((s, ctx) => {
  if (s.kind === "Service" && s.name === undefined) addFault(ctx, { code: "missing_field", message: (f) => `${f} names no Service`, hint: "name the calling Service, or use kind Mesh for every identity of the mesh" }, ["name"]);
  if (s.kind === "Mesh" && s.name !== undefined) addFault(ctx, { code: "invalid_field", message: (f) => `${f} must be left out: kind Mesh means every identity of the mesh`, hint: "drop the name, or use kind Service to name one caller" }, ["name"]);
});

const permissionRule = strictObject({
  from: z.array(source).min(1).max(64),
  action: z.enum(["Allow", "Deny"]),
});

export const trafficPermissionSpec = strictObject({
  targetRef: strictObject({ kind: z.literal("Service"), name }),
  rules: z
    .array(permissionRule)
    .min(1)
    .max(32)
    .superRefine((rules, ctx) => {
      rules.forEach((rule, i) => {
        const seen = new Set<string>();
        rule.from.forEach((f, j) => {
          const key = f.kind === "Service" ? `Service/${f.name}` : "Mesh";
          if (seen.has(key)) addFault(ctx, { code: "invalid_field", message: (p) => `${p} names ${key} twice in one rule`, hint: "list each caller once" }, [i, "from", j]);
          seen.add(key);
        });
      });
    }),
});
