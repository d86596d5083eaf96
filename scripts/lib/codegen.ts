/**
 * Code generation from .proto files, shared by `npm run gen` (write) and
 * `npm test` (check that what is committed is exactly what gen produces).
 *
 * Envoy's protos come from @grpc/grpc-js-xds (deps/), so generation needs
 * nothing beyond npm. Its copy of protoc-gen-validate's validate.proto is older
 * than the Envoy protos beside it and lacks `StringRules.ignore_empty`, which
 * buf (unlike protobufjs) refuses to leave unresolved. We copy the deps into
 * .proto-deps/ and add that one option declaration, numbered as upstream PGV
 * numbers it, so the validation annotations survive into the generated
 * descriptors (tests read them to check PGV constraints).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, relative } from "node:path";
import { ROOT } from "./processes.js";

/** Where generated code lives, relative to the repository root. */
export const GENERATED = { envoy: "gen", zoneProtocol: "src/contract/zone-protocol/zone_pb.ts" } as const;

const require = createRequire(import.meta.url);

/**
 * The buf binary from the optional dependency @bufbuild/buf-linux-x64, or
 * undefined on a platform it does not exist for (the wrapper package
 * @bufbuild/buf names binaries for every platform, which the registry this
 * project installs from lacks, so `npm ci` would fail on it).
 */
export function bufBinary(): string | undefined {
  try {
    const bin = join(dirname(require.resolve("@bufbuild/buf-linux-x64/package.json")), "bin", "buf");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

function prepareProtoDeps(): void {
  const xdsPkg = dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
  const out = join(ROOT, ".proto-deps");
  rmSync(out, { recursive: true, force: true });
  cpSync(join(xdsPkg, "deps"), out, { recursive: true });
  const validatePath = join(out, "protoc-gen-validate/validate/validate.proto");
  const validate = readFileSync(validatePath, "utf8");
  const marker = "message StringRules {";
  if (!validate.includes(marker)) throw new Error(`${validatePath}: no StringRules message`);
  if (!/ignore_empty\s*=\s*26/.test(validate)) {
    writeFileSync(validatePath, validate.replace(marker, `${marker}\n    optional bool ignore_empty = 26;\n`));
  }
}

/**
 * Runs both buf templates with outputs under `outputRoot` (the repository
 * itself for `npm run gen`, a scratch folder for the check).
 */
export function generate(outputRoot: string = ROOT): void {
  const buf = bufBinary();
  if (!buf) throw new Error("no buf binary for this platform (@bufbuild/buf-linux-x64 is linux-x64 only)");
  prepareProtoDeps();
  const env = { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };
  for (const template of ["buf.gen.yaml", "buf.gen.zone.yaml"]) {
    execFileSync(buf, ["generate", "--template", template, "--output", outputRoot], { cwd: ROOT, env, stdio: "inherit" });
  }
}

/** Every file under `dir` (a file: itself), as paths relative to `base`. */
function filesUnder(dir: string, base: string): string[] {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [relative(base, dir)];
  return readdirSync(dir).flatMap((name) => filesUnder(join(dir, name), base));
}

/**
 * Generates into `scratch` and lists every difference from the committed
 * files: changed, missing or extra. Empty when they are identical.
 */
export function compareGenerated(scratch: string): string[] {
  generate(scratch);
  const problems: string[] = [];
  for (const path of Object.values(GENERATED)) {
    const committed = new Set(filesUnder(join(ROOT, path), ROOT));
    const fresh = new Set(filesUnder(join(scratch, path), scratch));
    for (const f of fresh) {
      if (!committed.has(f)) problems.push(`${f}: generated but not committed`);
      else if (!readFileSync(join(ROOT, f)).equals(readFileSync(join(scratch, f)))) problems.push(`${f}: differs from what npm run gen produces`);
    }
    for (const f of committed) if (!fresh.has(f)) problems.push(`${f}: committed but no longer generated`);
  }
  return problems;
}
