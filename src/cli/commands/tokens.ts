import { readFile } from "node:fs/promises";
import { ROLES, signApiToken, type ApiTokenView, type IssuedApiToken, type Role } from "../../contract/api-token.js";
import { writeConfigFile } from "../config.js";
import { CliError, UsageError } from "../errors.js";
import { ApiClient } from "../http-client.js";
import { renderTable } from "../table.js";
import { emit, type CommandContext } from "./context.js";

/**
 * `token create|list|revoke|bootstrap`: the API's token routes, and a
 * bootstrap token signed here with the Worker's secret, which is how the
 * first admin token of a deployment is made without an open window:
 * whoever holds the secret (and only they) can create it.
 *
 * @example edgeplane token create --subject ci --role writer --meshes default --ttl 720h
 */
export async function tokenCommand(ctx: CommandContext): Promise<number> {
  const [action, arg] = ctx.line.args;
  const o = ctx.line.options;
  switch (action) {
    case "create": {
      if (!o.subject || !o.role) throw new UsageError("token create needs --subject and --role", "token");
      const issued = await (await ctx.client()).request<IssuedApiToken>("POST", "/v1/tokens", {
        json: { subject: o.subject, role: role(o.role), meshes: o.meshes ?? ["default"], ...(o.sources ? { sources: o.sources } : {}), ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}) },
      });
      // The token is on stdout alone (pipe it into a file); what it grants goes to stderr.
      emit(ctx, issued, () => `${issued.token}\n`);
      if (o.output === "table") ctx.io.stderr(`token ${issued.id} for ${issued.subject}: ${issued.role} of ${issued.meshes.join(", ")}, expires ${issued.expiresAt}\n`);
      return 0;
    }
    case "list": {
      const list = await (await ctx.client()).request<{ items: ApiTokenView[] }>("GET", "/v1/tokens");
      emit(ctx, list, () =>
        renderTable(
          ["ID", "SUBJECT", "ROLE", "MESHES", "EXPIRES", "REVOKED"],
          list.items.map((t) => [t.id, t.subject, t.role, t.meshes.join(","), t.expiresAt, t.revokedAt ?? ""]),
        ),
      );
      return 0;
    }
    case "revoke": {
      if (!arg) throw new UsageError("token revoke needs the token's id (see `edgeplane token list`)", "token");
      const view = await (await ctx.client()).request<ApiTokenView>("DELETE", `/v1/tokens/${encodeURIComponent(arg)}`);
      emit(ctx, view, () => `token ${view.id} revoked at ${view.revokedAt}\n`);
      return 0;
    }
    case "bootstrap": {
      if (!o.secretFile) throw new UsageError("token bootstrap needs --secret-file: the file holding the Worker's API_TOKEN_SECRET", "token");
      const secret = (await readFile(o.secretFile, "utf8")).trim();
      if (secret === "") throw new CliError(`${o.secretFile} is empty`);
      const { token } = await signApiToken(secret, { sub: o.subject ?? "bootstrap", role: "admin", meshes: ["*"], ttlSeconds: o.ttlSeconds ?? 900, bootstrap: true }, ctx.io.now());
      ctx.io.stdout(`${token}\n`);
      return 0;
    }
    default:
      throw new UsageError(`token takes create, list, revoke or bootstrap, not "${action ?? ""}"`, "token");
  }
}

/**
 * `login --server URL --token-file F`: asks the server whether the token
 * works (GET /v1/revision), then keeps server and token in the config file,
 * readable by its owner only.
 *
 * @example edgeplane login --server https://edgeplane.example.workers.dev --token-file ./ops.token
 */
export async function loginCommand(ctx: CommandContext): Promise<number> {
  const { server, tokenFile } = ctx.line.options;
  if (!server || !tokenFile) throw new UsageError("login needs --server and --token-file", "login");
  const token = (tokenFile === "-" ? await ctx.io.readStdin() : await readFile(tokenFile, "utf8")).trim();
  if (token === "") throw new CliError(`no token in ${tokenFile === "-" ? "stdin" : tokenFile}`);
  const client = new ApiClient({ server: server.replace(/\/+$/, ""), token }, { fetch: ctx.io.fetch });
  await client.request<{ revision: number }>("GET", "/v1/revision");
  const path = await writeConfigFile(ctx.io.env, { server: server.replace(/\/+$/, ""), token });
  ctx.io.stdout(`logged in to ${server}; server and token kept in ${path}\n`);
  return 0;
}

function role(raw: string): Role {
  if (!(ROLES as readonly string[]).includes(raw)) throw new UsageError(`--role takes ${ROLES.join(", ")}, not "${raw}"`, "token");
  return raw as Role;
}
