import { z } from "zod";
import { DURATION_PATTERN, parseDurationMs } from "../duration.js";
import { addFault } from "../schema-errors.js";

/**
 * Field types several kinds share: names, ports, labels, durations, IP
 * addresses. A `description` here is also the hint of the error when the
 * field is wrong (schema-errors.ts).
 */

/** DNS-label names, as Kubernetes and Kuma use for resource and mesh names. */
export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const NAME_HINT = "use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

/** A resource, mesh, zone or port name. */
export const name = z.string().regex(NAME_PATTERN).meta({ description: NAME_HINT });

/** A TCP port. */
export const port = z.int().min(1).max(65535);

/** Largest relative weight of a backend or an endpoint. */
export const MAX_WEIGHT = 1_000_000;

// Kubernetes: an optional DNS-subdomain prefix (labels of at most 63, at most
// 253 in all), "/", then a name of at most 63.
const DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const LABEL_KEY = new RegExp(`^(${DNS_LABEL}(\\.${DNS_LABEL})*\\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`);
const MAX_LABEL_PREFIX = 253;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Kubernetes-style labels: `[prefix/]name` keys, short values. */
export const labels = z.record(
  z
    .string()
    .regex(LABEL_KEY, { error: (issue) => `label key "${String(issue.input)}" is not a valid label name` })
    .refine((key) => !key.includes("/") || key.indexOf("/") <= MAX_LABEL_PREFIX, {
      error: (issue) => `label key "${String(issue.input).slice(0, 40)}...": its prefix is longer than ${MAX_LABEL_PREFIX} characters`,
    })
    .meta({ description: "label keys are [prefix/]name: a DNS-subdomain prefix of at most 253 characters, then letters, digits, '-', '_' and '.', at most 63 characters in the name" }),
  z.string().max(63).regex(LABEL_VALUE),
);

const DURATION_HINT = 'a Gateway API duration such as "10s", "500ms" or "1m30s"';

/** A Gateway API duration (GEP-2257), kept as written; the bridge converts it. */
export const duration = z
  .string()
  .meta({ description: DURATION_HINT, pattern: DURATION_PATTERN.source })
  .superRefine((text, ctx) => {
    if (parseDurationMs(text) === undefined) {
      addFault(ctx, { code: "invalid_field", message: (f) => `${f} "${text}" is not a duration`, hint: DURATION_HINT });
    }
  });

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]{2,39}$/;

/** An IP literal: proxyless gRPC clients refuse host names in EDS. */
export const ipAddress = z
  .string()
  .meta({ description: "an IPv4 or IPv6 literal such as 10.0.0.7" })
  .superRefine((address, ctx) => {
    if (!IPV4.test(address) && !(address.includes(":") && IPV6.test(address))) {
      addFault(ctx, {
        code: "invalid_field",
        message: (f) => `${f} "${address}" is not an IP address`,
        hint: "proxyless gRPC clients need IP literals in endpoints, such as 10.0.0.7",
      });
    }
  });
