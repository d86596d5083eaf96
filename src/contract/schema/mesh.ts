import { z } from "zod";
import { parseDurationMs } from "../duration.js";
import { addFault } from "../schema-errors.js";
import { duration } from "./fields.js";
import { strictObject } from "./strict-object.js";

/** Bounds of a workload certificate's lifetime: a minute (rotation drills) to 30 days. */
export const CERT_TTL_MIN_MS = 60_000;
export const CERT_TTL_MAX_MS = 30 * 86_400_000;
export const DEFAULT_CERT_TTL = "24h";
export const DEFAULT_ROTATE_AT = 0.8;

/**
 * `Mesh.spec.mtls`. `permissive` accepts plaintext and mTLS on inbound,
 * `strict` only mTLS; outbound is mTLS whenever the destination's mesh is not
 * `disabled`. `certTTL` is each workload certificate's lifetime, `rotateAt`
 * the fraction of it after which the holder renews (with a few percent of
 * jitter, so a zone does not renew everything at once).
 */
export const meshMtls = strictObject({
  mode: z.enum(["disabled", "permissive", "strict"]),
  certTTL: duration
    .default(DEFAULT_CERT_TTL)
    .superRefine((text, ctx) => {
      const ms = parseDurationMs(text) ?? 0;
      if (ms < CERT_TTL_MIN_MS || ms > CERT_TTL_MAX_MS) {
        addFault(ctx, { code: "invalid_field", message: (f) => `${f} must be from 60s to 720h (30 days); it is ${text}`, hint: 'a duration such as "24h" or "90m"' });
      }
    })
    .meta({ description: "lifetime of each workload certificate, 60s to 720h" }),
  rotateAt: z.number().min(0.5).max(0.95).default(DEFAULT_ROTATE_AT).meta({ description: "fraction of a certificate's lifetime after which it is renewed, 0.5 to 0.95" }),
});

/** `Mesh.spec`. */
export const meshSpec = strictObject({
  mtls: meshMtls.optional(),
});
