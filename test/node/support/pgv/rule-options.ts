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

function cachedIn<K extends object, V>(cache: WeakMap<K, V>, key: K, read: (key: K) => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = read(key);
    cache.set(key, value);
  }
  return value;
}

/**
 * The `(validate.rules)` of a field, undefined when it has none.
 *
 * @example fieldRules(ClusterSchema.field.connectTimeout)?.type.case // "duration"
 */
export function fieldRules(field: DescField): FieldRules | undefined {
  return cachedIn(fieldCache, field, (f) => (hasOption(f, rules) ? getOption(f, rules) : null)) ?? undefined;
}

/**
 * Whether a oneof carries `(validate.required) = true`: one member must be set.
 *
 * @example isOneofRequired(RouteActionSchema.oneofs[0]!) // true (cluster_specifier)
 */
export function isOneofRequired(oneof: DescOneof): boolean {
  return cachedIn(oneofCache, oneof, (o) => getOption(o, required));
}

/**
 * Whether a message carries `(validate.disabled) = true`: PGV then checks
 * nothing in it, not even its sub-messages.
 *
 * @example isValidationDisabled(ClusterSchema) // false
 */
export function isValidationDisabled(desc: DescMessage): boolean {
  return cachedIn(messageCache, desc, (d) => getOption(d, disabled));
}
