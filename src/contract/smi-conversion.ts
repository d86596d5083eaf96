import { z } from "zod";
import { MAX_WEIGHT, name } from "./schema/fields.js";
import { strictObject } from "./schema/strict-object.js";
import { parseOrThrow } from "./schema-errors.js";
import { convertedMetadata, smiMetadata } from "./smi-metadata.js";
import { TRAFFIC_TARGET_GROUP, TRAFFIC_TARGET_VERSIONS, trafficTargetToPermission } from "./smi-traffic-target.js";
import { ValidationError } from "./validation-error.js";

/**
 * SMI documents accepted as input and stored as what they mean (they are
 * not kinds of their own): a `split.smi-spec.io` TrafficSplit (v1alpha1 to
 * v1alpha4) becomes an HTTPRoute on `spec.service` whose rule sends to the
 * backends by weight, labelled `edgeplane.io/converted-from`; a
 * `specs.smi-spec.io` HTTPRouteGroup in the same bundle gives a split's
 * `matches` (v1alpha3 and later), and traffic the matches do not take keeps
 * going to the root service, as SMI says. SMI's `pathRegex` is a regex over
 * the whole path; `methods: ["*"]` is any method. An `access.smi-spec.io`
 * TrafficTarget becomes a TrafficPermission (smi-traffic-target.ts).
 */

export { CONVERTED_FROM_LABEL } from "./smi-metadata.js";

const SPLIT_VERSIONS = ["v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"] as const;
const GROUP_VERSIONS = ["v1alpha1", "v1alpha2", "v1alpha3", "v1alpha4"] as const;

/** v1alpha1 weights are Kubernetes quantities ("500m", "1"); later ones whole numbers. */
const QUANTITY = /^([0-9]+)(m?)$/;
function milliWeight(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? v * 1000 : v;
  if (typeof v !== "string") return v;
  const m = QUANTITY.exec(v);
  return m ? Number(m[1]) * (m[2] === "m" ? 1 : 1000) : v;
}

const splitBackend = (version: string) =>
  strictObject({
    service: name,
    weight:
      version === "v1alpha1"
        ? z.preprocess(milliWeight, z.int().min(0).max(MAX_WEIGHT)).meta({ description: 'a quantity such as "500m" or 1' })
        : z.int().min(0).max(MAX_WEIGHT),
  });

const trafficSplit = (version: string) =>
  strictObject({
    apiVersion: z.string(),
    kind: z.literal("TrafficSplit"),
    metadata: smiMetadata,
    spec: strictObject({
      service: name,
      backends: z.array(splitBackend(version)).min(1).max(16),
      ...(version === "v1alpha3" || version === "v1alpha4"
        ? { matches: z.array(strictObject({ kind: z.enum(["HTTPRouteGroup"]), name, apiGroup: z.string().optional() })).max(16).optional() }
        : {}),
    }),
  });

const groupMatch = strictObject({
  name: z.string().max(253),
  pathRegex: z.string().max(1024).optional(),
  methods: z.array(z.string().max(16)).max(16).optional(),
  headers: z.record(z.string().max(256), z.string().max(4096)).optional(),
});

const httpRouteGroup = strictObject({
  apiVersion: z.string(),
  kind: z.literal("HTTPRouteGroup"),
  metadata: smiMetadata,
  spec: strictObject({ matches: z.array(groupMatch).min(1).max(16) }),
});

/** A bundle's document after conversion, with its index in the bundle as sent. */
export interface BundleEntry {
  index: number;
  doc: unknown;
  /** `<apiVersion> <kind>` of the SMI document it was converted from. */
  convertedFrom?: string;
}

/** A document of a bundle that could not be converted. */
export class SmiConversionError extends Error {
  constructor(
    readonly index: number,
    readonly validation: ValidationError,
  ) {
    super(validation.message);
    this.name = "SmiConversionError";
  }
}

/**
 * Converts the SMI documents of a bundle: TrafficSplits become HTTPRoutes,
 * HTTPRouteGroups are used up (their matches go into the splits that name
 * them), everything else passes through unchanged.
 *
 * @example convertSmiBundle([{ apiVersion: "split.smi-spec.io/v1alpha4", kind: "TrafficSplit", ... }])[0]?.convertedFrom // "split.smi-spec.io/v1alpha4 TrafficSplit"
 */
export function convertSmiBundle(docs: readonly unknown[]): BundleEntry[] {
  const groups = new Map<string, z.output<typeof httpRouteGroup>>();
  docs.forEach((doc, index) => {
    if (smiKind(doc) !== "HTTPRouteGroup") return;
    const group = at(index, () => {
      versioned(doc, "specs.smi-spec.io", GROUP_VERSIONS);
      return parseOrThrow(httpRouteGroup, doc);
    });
    groups.set(group.metadata.name, group);
  });
  const out: BundleEntry[] = [];
  docs.forEach((doc, index) => {
    const kind = smiKind(doc);
    if (kind === "HTTPRouteGroup") return;
    const apiVersion = String((doc as { apiVersion?: unknown }).apiVersion);
    if (kind === "TrafficTarget") {
      const converted = at(index, () => trafficTargetToPermission(doc, versioned(doc, TRAFFIC_TARGET_GROUP, TRAFFIC_TARGET_VERSIONS)));
      out.push({ index, doc: converted, convertedFrom: `${apiVersion} TrafficTarget` });
      return;
    }
    if (kind !== "TrafficSplit") {
      out.push({ index, doc });
      return;
    }
    out.push({ index, doc: at(index, () => splitToRoute(doc, groups)), convertedFrom: `${apiVersion} TrafficSplit` });
  });
  return out;
}

/** The SMI kind of a document, recognised by its apiVersion group. */
function smiKind(doc: unknown): "TrafficSplit" | "HTTPRouteGroup" | "TrafficTarget" | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== "string") return undefined;
  if (kind === "TrafficSplit" && apiVersion.startsWith("split.smi-spec.io/")) return "TrafficSplit";
  if (kind === "HTTPRouteGroup" && apiVersion.startsWith("specs.smi-spec.io/")) return "HTTPRouteGroup";
  if (kind === "TrafficTarget" && apiVersion.startsWith(`${TRAFFIC_TARGET_GROUP}/`)) return "TrafficTarget";
  return undefined;
}

function versioned(doc: unknown, group: string, versions: readonly string[]): string {
  const apiVersion = String((doc as { apiVersion?: unknown }).apiVersion);
  const version = apiVersion.slice(group.length + 1);
  if (!versions.includes(version)) {
    throw new ValidationError("unsupported_field", "apiVersion", `apiVersion "${apiVersion}" is not a version Edgeplane reads`, `one of ${versions.map((v) => `${group}/${v}`).join(", ")}`);
  }
  return version;
}

function splitToRoute(doc: unknown, groups: ReadonlyMap<string, z.output<typeof httpRouteGroup>>): unknown {
  const version = versioned(doc, "split.smi-spec.io", SPLIT_VERSIONS);
  const split = parseOrThrow(trafficSplit(version), doc) as z.output<ReturnType<typeof trafficSplit>> & { spec: { matches?: { name: string }[] } };
  const { metadata: m, spec } = split;
  const backendRefs = spec.backends.map((b) => ({ name: b.service, weight: b.weight }));
  const matches = (spec.matches ?? []).flatMap((ref, i) => {
    const group = groups.get(ref.name);
    if (!group) {
      throw new ValidationError("missing_field", `spec.matches[${i}].name`, `HTTPRouteGroup "${ref.name}" is not in this bundle`, "send the HTTPRouteGroup in the same POST /v1/apply bundle");
    }
    return group.spec.matches.flatMap(gatewayMatches);
  });
  const rules = matches.length > 0 ? [{ matches, backendRefs }, { backendRefs: [{ name: spec.service }] }] : [{ backendRefs }];
  return {
    kind: "HTTPRoute",
    metadata: convertedMetadata(m, `TrafficSplit.${version}.split.smi-spec.io`),
    spec: { parentRefs: [{ name: spec.service }], rules },
  };
}

/** One SMI match as Gateway API matches: one per method, each with the path regex and header regexes. */
function gatewayMatches(m: z.output<typeof groupMatch>): unknown[] {
  const base = {
    ...(m.pathRegex === undefined ? {} : { path: { type: "RegularExpression", value: m.pathRegex } }),
    ...(m.headers ? { headers: Object.entries(m.headers).map(([h, value]) => ({ type: "RegularExpression", name: h, value })) } : {}),
  };
  const methods = (m.methods ?? []).filter((x) => x !== "*");
  return methods.length === 0 || (m.methods ?? []).includes("*") ? [base] : methods.map((method) => ({ ...base, method: method.toUpperCase() }));
}

function at<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) throw new SmiConversionError(index, err);
    throw err;
  }
}
