import { getOption, hasOption, type DescField, type DescMessage, type DescOneof } from "@bufbuild/protobuf";
import { disabled, required, rules, type FieldRules } from "../../../../gen/validate/validate_pb.js";

/*
 * PGV keeps its rules in custom options of the generated descriptors.
 * Decoding an option re-reads the descriptor's option bytes, so the answers
 * are cached per descriptor: the walker asks for every field of every message.
 */
const fieldCache = new WeakMap<DescField, FieldRules | null>();
const oneofCache = new WeakMap<DescOneof, boolean>();
const messageCache = new WeakMap<DescMessage, boolean>();

/**
 * The `(validate.rules)` of a field, undefined when it has none.
 *
 * @example fieldRules(ClusterSchema.field.connectTimeout)?.type.case // "duration"
 */
export function fieldRules(field: DescField): FieldRules | undefined {
  let cached = fieldCache.get(field);
  if (cached === undefined) {
    cached = hasOption(field, rules) ? getOption(field, rules) : null;
    fieldCache.set(field, cached);
  }
  return cached ?? undefined;
}

/**
 * Whether a oneof carries `(validate.required) = true`: one member must be set.
 *
 * @example isOneofRequired(RouteActionSchema.oneofs[0]!) // true (cluster_specifier)
 */
export function isOneofRequired(oneof: DescOneof): boolean {
  let cached = oneofCache.get(oneof);
  if (cached === undefined) {
    cached = getOption(oneof, required);
    oneofCache.set(oneof, cached);
  }
  return cached;
}

/**
 * Whether a message carries `(validate.disabled) = true`: PGV then checks
 * nothing in it, not even its sub-messages.
 *
 * @example isValidationDisabled(ClusterSchema) // false
 */
export function isValidationDisabled(desc: DescMessage): boolean {
  let cached = messageCache.get(desc);
  if (cached === undefined) {
    cached = getOption(desc, disabled);
    messageCache.set(desc, cached);
  }
  return cached;
}
