import { jsonSchemaOf } from "../../contract/json-schema.js";
import { kindArg, type CommandContext } from "./context.js";

/**
 * `schema KIND`: the JSON Schema of a kind's documents, for editors
 * (yaml-language-server: `# yaml-language-server: $schema=./service.schema.json`).
 * Built from the same schemas the API validates with; no server is asked.
 *
 * @example edgeplane schema httproute > httproute.schema.json
 */
export async function schemaCommand(ctx: CommandContext): Promise<number> {
  ctx.io.stdout(`${JSON.stringify(jsonSchemaOf(kindArg(ctx)), null, 2)}\n`);
  return 0;
}
