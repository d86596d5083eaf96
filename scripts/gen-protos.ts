/**
 * `npm run gen`: regenerates gen/ (Envoy's API types) and
 * src/contract/zone-protocol/zone_pb.ts (the zone protocol) from their
 * .proto files. See scripts/lib/codegen.ts.
 */
import { generate } from "./lib/codegen.js";

generate();
