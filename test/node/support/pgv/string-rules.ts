import { isIP } from "node:net";
import { isFieldSet } from "@bufbuild/protobuf";
import {
  BytesRulesSchema,
  KnownRegex,
  StringRulesSchema,
  type BytesRules,
  type StringRules,
} from "../../../../gen/validate/validate_pb.js";

/*
 * PGV's own expressions for the HTTP well-knowns (validate/validate.proto):
 * `strict` follows RFC 7230, non-strict only refuses NUL, CR and LF, which
 * is what Envoy's header map itself refuses.
 */
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const utf8 = new TextEncoder();

/**
 * The verdicts of StringRules on one value. Implemented: const, len,
 * min_len/max_len (in code points, like PGV), len_bytes/min_bytes/max_bytes,
 * prefix, suffix, contains, not_contains, in, not_in, pattern (when it
 * compiles as a JavaScript RegExp; RE2-only syntax is skipped, not guessed),
 * ignore_empty, and the well-knowns ip, ipv4, ipv6 and the HTTP header
 * regexes. Other well-knowns (hostname, email, uri, uuid, address) are ignored.
 *
 * @example stringFindings(create(StringRulesSchema, { minLen: 1n }), "") // ["must be at least 1 characters long"]
 */
export function stringFindings(r: StringRules, value: string): string[] {
  if (r.ignoreEmpty && value === "") return [];
  const out: string[] = [];
  // proto2 optionals: an explicit `max_len: 0` or `const: ""` is a rule, an unset one is not.
  const set = (f: keyof typeof StringRulesSchema.field): boolean => isFieldSet(r, StringRulesSchema.field[f]);
  const chars = BigInt([...value].length);
  const bytes = BigInt(utf8.encode(value).length);
  if (set("const") && value !== r.const) out.push(`must equal "${r.const}"`);
  if (set("len") && chars !== r.len) out.push(`must be ${r.len} characters long`);
  if (set("minLen") && chars < r.minLen) out.push(`must be at least ${r.minLen} characters long`);
  if (set("maxLen") && chars > r.maxLen) out.push(`must be at most ${r.maxLen} characters long`);
  if (set("lenBytes") && bytes !== r.lenBytes) out.push(`must be ${r.lenBytes} bytes long`);
  if (set("minBytes") && bytes < r.minBytes) out.push(`must be at least ${r.minBytes} bytes long`);
  if (set("maxBytes") && bytes > r.maxBytes) out.push(`must be at most ${r.maxBytes} bytes long`);
  if (set("prefix") && !value.startsWith(r.prefix)) out.push(`must start with "${r.prefix}"`);
  if (set("suffix") && !value.endsWith(r.suffix)) out.push(`must end with "${r.suffix}"`);
  if (set("contains") && !value.includes(r.contains)) out.push(`must contain "${r.contains}"`);
  if (set("notContains") && value.includes(r.notContains)) out.push(`must not contain "${r.notContains}"`);
  if (r.in.length > 0 && !r.in.includes(value)) out.push(`must be in list [${r.in.join(", ")}]`);
  if (r.notIn.includes(value)) out.push(`must not be in list [${r.notIn.join(", ")}]`);
  const pattern = r.pattern === "" ? undefined : compile(r.pattern);
  if (pattern && !pattern.test(value)) out.push(`must match regex pattern "${r.pattern}"`);
  const known = wellKnownFinding(r, value);
  if (known) out.push(known);
  return out;
}

/**
 * BytesRules: len, min_len, max_len and the ip well-knowns (4 or 16 bytes).
 * Others (const, pattern, prefix, ...) are ignored.
 *
 * @example bytesFindings(create(BytesRulesSchema, { minLen: 1n }), new Uint8Array()) // ["must be at least 1 bytes long"]
 */
export function bytesFindings(r: BytesRules, value: Uint8Array): string[] {
  const out: string[] = [];
  const n = BigInt(value.length);
  const set = (f: keyof typeof BytesRulesSchema.field): boolean => isFieldSet(r, BytesRulesSchema.field[f]);
  if (set("len") && n !== r.len) out.push(`must be ${r.len} bytes long`);
  if (set("minLen") && n < r.minLen) out.push(`must be at least ${r.minLen} bytes long`);
  if (set("maxLen") && n > r.maxLen) out.push(`must be at most ${r.maxLen} bytes long`);
  const wk = r.wellKnown;
  if (wk.case === "ip" && wk.value && value.length !== 4 && value.length !== 16) out.push("must be a valid IP address");
  if (wk.case === "ipv4" && wk.value && value.length !== 4) out.push("must be a valid IPv4 address");
  if (wk.case === "ipv6" && wk.value && value.length !== 16) out.push("must be a valid IPv6 address");
  return out;
}

function wellKnownFinding(r: StringRules, value: string): string | undefined {
  const wk = r.wellKnown;
  switch (wk.case) {
    case "ip":
      return wk.value && isIP(value) === 0 ? "must be a valid IP address" : undefined;
    case "ipv4":
      return wk.value && isIP(value) !== 4 ? "must be a valid IPv4 address" : undefined;
    case "ipv6":
      return wk.value && isIP(value) !== 6 ? "must be a valid IPv6 address" : undefined;
    case "wellKnownRegex":
      return headerFinding(wk.value, r.strict, value);
    default:
      return undefined;
  }
}

function headerFinding(kind: KnownRegex, strict: boolean, value: string): string | undefined {
  if (kind === KnownRegex.HTTP_HEADER_NAME) {
    return (strict ? HEADER_NAME_STRICT : HEADER_LOOSE).test(value) ? undefined : "must be a valid HTTP header name";
  }
  if (kind === KnownRegex.HTTP_HEADER_VALUE) {
    return (strict ? HEADER_VALUE_STRICT : HEADER_LOOSE).test(value) ? undefined : "must be a valid HTTP header value";
  }
  return undefined;
}

function compile(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
}
