import { isFieldSet, type DescEnum } from "@bufbuild/protobuf";
import { BoolRulesSchema, EnumRulesSchema, FieldRulesSchema, type EnumRules, type FieldRules } from "../../../../gen/validate/validate_pb.js";
import { boundsOf, checkBounds, numOf } from "./numeric-bounds.js";
import { bytesFindings, stringFindings } from "./string-rules.js";

const NUMERIC_KINDS: ReadonlySet<string> = new Set([
  "float", "double", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64",
]);

/**
 * The verdicts of `rules` on one scalar or enum value (a field, a list item,
 * a map key or value, or the value inside a wrapper such as UInt32Value).
 * A rule kind that does not fit the value (a misannotated proto) finds nothing.
 *
 * @example scalarFindings(portValueRules, 70000) // ["must be less than or equal to 65535"]
 */
export function scalarFindings(rules: FieldRules, value: unknown, enumDesc?: DescEnum): string[] {
  const kind = rules.type;
  if (kind.case === undefined) return [];
  if (NUMERIC_KINDS.has(kind.case)) {
    const n = numOf(value);
    const desc = FieldRulesSchema.fields.find((f) => f.localName === kind.case)?.message;
    return n === undefined || !desc ? [] : checkBounds(n, boundsOf(desc, kind.value, numOf), String);
  }
  switch (kind.case) {
    case "string":
      return typeof value === "string" ? stringFindings(kind.value, value) : [];
    case "bytes":
      return value instanceof Uint8Array ? bytesFindings(kind.value, value) : [];
    case "bool": {
      const r = kind.value;
      return typeof value === "boolean" && isFieldSet(r, BoolRulesSchema.field.const) && value !== r.const ? [`must equal ${r.const}`] : [];
    }
    case "enum":
      return typeof value === "number" ? enumFindings(kind.value, value, enumDesc) : [];
    default:
      return [];
  }
}

/**
 * defined_only: proto3 enums are open, so a number the enum does not
 * declare survives parsing and only PGV refuses it.
 */
function enumFindings(r: EnumRules, value: number, desc: DescEnum | undefined): string[] {
  const out = checkBounds(value, boundsOf(EnumRulesSchema, r, numOf), String);
  if (r.definedOnly && desc && !desc.values.some((v) => v.number === value)) out.push(`must be one of the defined ${desc.name} values`);
  return out;
}
