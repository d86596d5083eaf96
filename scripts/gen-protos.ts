/**
 * `npm run gen`: regenerates src/gen from proto/ and Envoy's API protos.
 *
 * Envoy's protos come from @grpc/grpc-js-xds (deps/), so generation needs
 * nothing beyond npm. Its copy of protoc-gen-validate's validate.proto is older
 * than the Envoy protos beside it and lacks `StringRules.ignore_empty`, which
 * buf (unlike protobufjs) refuses to leave unresolved. We copy the deps into
 * .proto-deps/ and add that one option declaration, numbered as upstream PGV
 * numbers it, so the validation annotations survive into the generated
 * descriptors (tests read them to check PGV constraints).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = join(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const xdsPkg = dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
const out = join(root, ".proto-deps");

rmSync(out, { recursive: true, force: true });
cpSync(join(xdsPkg, "deps"), out, { recursive: true });

const validatePath = join(out, "protoc-gen-validate/validate/validate.proto");
const validate = readFileSync(validatePath, "utf8");
const marker = "message StringRules {";
if (!validate.includes(marker)) throw new Error(`${validatePath}: no StringRules message`);
if (!/ignore_empty\s*=\s*26/.test(validate)) {
  writeFileSync(
    validatePath,
    validate.replace(marker, `${marker}\n    optional bool ignore_empty = 26;\n`),
  );
}

// buf is fetched on demand rather than pinned in package.json: the npm
// registry this project installs from lacks buf's non-Linux binary packages,
// and a lock file naming them makes `npm ci` fail. Generated code is
// committed, so only `npm run gen` needs buf.
execFileSync("npm", ["exec", "--yes", "--package=@bufbuild/buf@1.75.0", "--", "buf", "generate"], { cwd: root, stdio: "inherit" });
