import { createRegistry, isFieldSet, isMessage, type DescField, type DescMessage, type MessageShape, type Registry } from "@bufbuild/protobuf";
import { isReflectMessage, reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { AnySchema, anyUnpack, FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { MapRulesSchema, RepeatedRulesSchema, type FieldRules } from "../../../../gen/validate/validate_pb.js";
import { isRequired, messageValueFindings } from "./message-rules.js";
import { fieldRules, isOneofRequired, isValidationDisabled } from "./rule-options.js";
import { scalarFindings } from "./scalar-rules.js";

/**
 * Checks a message against the protoc-gen-validate rules in its descriptors,
 * the checks Envoy runs on every xDS resource before it accepts it. Walks
 * sub-messages, list and map entries, and the payload of every Any whose
 * type `registry` knows (an Any of an unknown type is skipped). Returns one
 * finding per broken rule, `<field path>: <what is wrong>`, field names as
 * in the .proto; empty when the message passes.
 *
 * See README.md for the rule kinds checked; the others are ignored.
 *
 * @example
 *   validateMessage(ClusterSchema, create(ClusterSchema, { name: "c", connectTimeout: { seconds: -1n } }))
 *   // ["connect_timeout: must be greater than 0s"]
 */
export function validateMessage<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>, registry?: Registry): string[] {
  const findings: string[] = [];
  walkMessage(reflect(schema, message), "", registry ?? createRegistry(), findings);
  return findings;
}

function walkMessage(msg: ReflectMessage, path: string, registry: Registry, out: string[]): void {
  if (isValidationDisabled(msg.desc)) return;
  if (isMessage(msg.message, AnySchema)) {
    // The payload's fields continue the Any field's path: typed_config.stat_prefix.
    const desc = registry.getMessage(msg.message.typeUrl.slice(msg.message.typeUrl.lastIndexOf("/") + 1));
    const payload = desc ? anyUnpack(msg.message, desc) : undefined;
    if (desc && payload) walkMessage(reflect(desc, payload), path, registry, out);
    return;
  }
  for (const oneof of msg.oneofs) {
    if (isOneofRequired(oneof) && msg.oneofCase(oneof) === undefined) out.push(`${join(path, oneof.name)}: one of its fields must be set`);
  }
  for (const field of msg.fields) walkField(msg, field, path, registry, out);
}

function walkField(msg: ReflectMessage, field: DescField, path: string, registry: Registry, out: string[]): void {
  const rules = fieldRules(field);
  const at = join(path, field.name);
  const report = (problems: string[], where = at) => {
    for (const p of problems) out.push(`${where}: ${p}`);
  };
  switch (field.fieldKind) {
    case "scalar":
    case "enum":
      // Implicit presence (plain proto3): the zero value is a value and is checked.
      // Explicit presence (oneof members, proto3 optional): only when set.
      if (rules && (msg.isSet(field) || (field.presence === FeatureSet_FieldPresence.IMPLICIT && !field.oneof))) {
        report(scalarFindings(rules, msg.get(field), field.enum));
      }
      return;
    case "message":
      if (!msg.isSet(field)) {
        // A oneof member's rules, `required` included, apply only when it is the chosen member.
        if (rules && isRequired(rules) && !field.oneof) report(["must be set"]);
        return;
      }
      walkValue(rules, msg.get(field), at, registry, out);
      return;
    case "list": {
      const list = msg.get(field);
      const repeated = rules?.type.case === "repeated" ? rules.type.value : undefined;
      if (repeated) {
        const max = isFieldSet(repeated, RepeatedRulesSchema.field.maxItems) ? repeated.maxItems : undefined;
        report(countFindings(list.size, repeated.minItems, max, "items"));
        if (repeated.unique && hasDuplicateScalars([...list])) report(["must contain unique items"]);
      }
      let i = 0;
      for (const item of list) walkItem(repeated?.items, item, `${at}[${i++}]`, field.enum, registry, out);
      return;
    }
    case "map": {
      const map = msg.get(field);
      const rulesOfMap = rules?.type.case === "map" ? rules.type.value : undefined;
      if (rulesOfMap) {
        const max = isFieldSet(rulesOfMap, MapRulesSchema.field.maxPairs) ? rulesOfMap.maxPairs : undefined;
        report(countFindings(map.size, rulesOfMap.minPairs, max, "pairs"));
      }
      for (const [key, value] of map) {
        const where = `${at}[${JSON.stringify(String(key))}]`;
        if (rulesOfMap?.keys) report(scalarFindings(rulesOfMap.keys, key), where);
        walkItem(rulesOfMap?.values, value, where, field.enum, registry, out);
      }
      return;
    }
  }
}

/** A list item or map value: scalar rules on scalars, message rules and a walk on messages. */
function walkItem(rules: FieldRules | undefined, item: unknown, at: string, enumDesc: DescField["enum"], registry: Registry, out: string[]): void {
  if (isReflectMessage(item)) {
    walkValue(rules, item, at, registry, out);
  } else if (rules) {
    for (const p of scalarFindings(rules, item, enumDesc)) out.push(`${at}: ${p}`);
  }
}

function walkValue(rules: FieldRules | undefined, value: ReflectMessage, at: string, registry: Registry, out: string[]): void {
  if (rules) for (const p of messageValueFindings(rules, value)) out.push(`${at}: ${p}`);
  if (!rules?.message?.skip) walkMessage(value, at, registry, out);
}

function countFindings(size: number, min: bigint, max: bigint | undefined, what: string): string[] {
  const n = BigInt(size);
  if (n < min) return [`must contain at least ${min} ${what}`];
  if (max !== undefined && n > max) return [`must contain at most ${max} ${what}`];
  return [];
}

/** PGV allows `unique` on scalar and enum lists only. */
function hasDuplicateScalars(items: unknown[]): boolean {
  const keys = items
    .filter((i) => !isReflectMessage(i))
    .map((i) => (i instanceof Uint8Array ? `bytes ${i.join(",")}` : `${typeof i} ${String(i)}`));
  return new Set(keys).size !== keys.length;
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}
