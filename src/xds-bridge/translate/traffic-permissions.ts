import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { HttpFilterSchema, type HttpFilter } from "../../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js";
import { PrincipalSchema, RBAC_Action, type Principal } from "../../../gen/envoy/config/rbac/v3/rbac_pb.js";
import { RBACSchema } from "../../../gen/envoy/extensions/filters/http/rbac/v3/rbac_pb.js";
import type { ResourceOf } from "../../contract/resource-types.js";
import { spiffeId } from "../../contract/x509/spiffe.js";

export const RBAC_FILTER_NAME = "envoy.filters.http.rbac";

type Permission = ResourceOf<"TrafficPermission">;

/** Who may call one Service, after every TrafficPermission on it. */
export interface CallerDecision {
  /** Callers a rule names by Service: true allowed, false denied. */
  services: ReadonlyMap<string, boolean>;
  /** What a `kind: Mesh` rule says for every other identity of the mesh; undefined: nothing (denied). */
  mesh: boolean | undefined;
}

/**
 * The decision for a caller is the most specific rule that names it: a
 * rule naming its Service beats a `kind: Mesh` rule (so "Allow web, Deny
 * Mesh" lets web in and keeps the rest out); at the same level a Deny wins
 * over an Allow. A caller no rule covers is denied: once a permission
 * targets a Service, only identities an Allow names get in. Undefined when
 * no permission targets the Service (it takes every identity of its mesh).
 *
 * @example callerDecision(permissions)?.services.get("web") // true
 */
export function callerDecision(permissions: readonly Permission[]): CallerDecision | undefined {
  if (permissions.length === 0) return undefined;
  const services = new Map<string, boolean>();
  let mesh: boolean | undefined;
  for (const p of permissions) {
    for (const rule of p.spec.rules) {
      const allow = rule.action === "Allow";
      for (const from of rule.from) {
        if (from.kind === "Mesh") mesh = mesh === false ? false : allow;
        else services.set(from.name!, services.get(from.name!) === false ? false : allow);
      }
    }
  }
  return { services, mesh };
}

/**
 * The RBAC HTTP filter (the legacy `rules` form grpc-js-xds parses, gRFC
 * A41; Envoy reads it alike) enforcing `decision` on a server's inbound:
 * one ALLOW policy whose principals are the callers' certificate URI SANs.
 * A call no principal matches is refused (PERMISSION_DENIED in gRPC, 403
 * in Envoy), and a caller without a certificate matches none.
 */
export function rbacFilter(mesh: string, decision: CallerDecision): HttpFilter {
  const id = (service: string) => authenticated({ case: "exact", value: spiffeId(mesh, service) });
  const allowed = [...decision.services].filter(([, ok]) => ok).map(([s]) => s).sort();
  const denied = [...decision.services].filter(([, ok]) => !ok).map(([s]) => s).sort();
  const principals: Principal[] = allowed.map(id);
  if (decision.mesh === true) {
    // Every other identity of this mesh (its trust domain), except those a rule denies by name.
    const anyOfMesh = authenticated({ case: "prefix", value: `spiffe://${mesh}/` });
    principals.push(
      denied.length === 0
        ? anyOfMesh
        : create(PrincipalSchema, { identifier: { case: "andIds", value: { ids: [anyOfMesh, create(PrincipalSchema, { identifier: { case: "notId", value: or(denied.map(id)) } })] } } }),
    );
  }
  const rbac = create(RBACSchema, {
    rules: {
      action: RBAC_Action.ALLOW,
      // No caller allowed: a principal that matches nobody (PGV wants at least one), so every call is refused.
      policies: { "traffic-permissions": { permissions: [{ rule: { case: "any", value: true } }], principals: principals.length > 0 ? principals : [nobody()] } },
    },
  });
  return create(HttpFilterSchema, { name: RBAC_FILTER_NAME, configType: { case: "typedConfig", value: anyPack(RBACSchema, rbac) } });
}

function authenticated(match: { case: "exact" | "prefix"; value: string }): Principal {
  return create(PrincipalSchema, { identifier: { case: "authenticated", value: { principalName: { matchPattern: match } } } });
}

function nobody(): Principal {
  return create(PrincipalSchema, { identifier: { case: "notId", value: create(PrincipalSchema, { identifier: { case: "any", value: true } }) } });
}

function or(ids: Principal[]): Principal {
  return create(PrincipalSchema, { identifier: { case: "orIds", value: { ids } } });
}
