import type { XdsResources } from "../xds-resources.js";
import { compareStrings } from "./compare.js";

type Lists = Pick<XdsResources, "listeners" | "routes" | "clusters" | "endpoints">;

/** One output message and the service whose translation made it. */
interface Entry<T> {
  name: string;
  service: string;
  message: T;
}

const order = <T>(a: Entry<T>, b: Entry<T>): number => compareStrings(a.name, b.name) || compareStrings(a.service, b.service);

/**
 * A mesh's output lists, assembled from each service's translation and kept
 * sorted as services come, change and go: re-concatenating and re-sorting
 * every service's resources on each change cost the whole mesh.
 *
 * The lists equal what concatenating the services' resources in service
 * name order and stably sorting by resource name gives (and, for
 * listeners, keeping the first of a name: two services' workloads can
 * publish one socket), because entries are ordered by (resource name,
 * service name) and a service's own resources have distinct names.
 *
 * @example
 * const out = new Assembly();
 * out.set("echo", undefined, echoResources);
 * out.lists().clusters;
 */
export class Assembly {
  private readonly listeners: Entry<XdsResources["listeners"][number]>[] = [];
  private readonly routes: Entry<XdsResources["routes"][number]>[] = [];
  private readonly clusters: Entry<XdsResources["clusters"][number]>[] = [];
  private readonly endpoints: Entry<XdsResources["endpoints"][number]>[] = [];
  /** The lists as last handed out, until a service's resources change. */
  private cached: Lists | undefined;

  /** Replaces `service`'s resources (`before`, as last set) with `after`; undefined for none. */
  set(service: string, before: Lists | undefined, after: Lists | undefined): void {
    this.cached = undefined;
    splice(this.listeners, service, before?.listeners, after?.listeners, (m) => m.name);
    splice(this.routes, service, before?.routes, after?.routes, (m) => m.name);
    splice(this.clusters, service, before?.clusters, after?.clusters, (m) => m.name);
    splice(this.endpoints, service, before?.endpoints, after?.endpoints, (m) => m.clusterName);
  }

  /** The sorted lists (the caller's own arrays). */
  lists(): Lists {
    this.cached ??= {
      listeners: firstOfEachName(this.listeners),
      routes: this.routes.map((e) => e.message),
      clusters: this.clusters.map((e) => e.message),
      endpoints: this.endpoints.map((e) => e.message),
    };
    const { listeners, routes, clusters, endpoints } = this.cached;
    return { listeners: listeners.slice(), routes: routes.slice(), clusters: clusters.slice(), endpoints: endpoints.slice() };
  }
}

/** uniqueByName over the entries' own names (plain strings, cheaper to compare than the messages'). */
function firstOfEachName<T>(entries: readonly Entry<T>[]): T[] {
  const out: T[] = [];
  let previous: string | undefined;
  for (const e of entries) {
    if (e.name !== previous) out.push(e.message);
    previous = e.name;
  }
  return out;
}

function splice<T>(entries: Entry<T>[], service: string, before: readonly T[] | undefined, after: readonly T[] | undefined, nameOf: (m: T) => string): void {
  for (const message of before ?? []) {
    const at = lowerBound(entries, { name: nameOf(message), service, message });
    // Only this service's entries of that name: another service's stay.
    while (at < entries.length && entries[at]!.name === nameOf(message) && entries[at]!.service === service) entries.splice(at, 1);
  }
  for (const message of after ?? []) {
    const e = { name: nameOf(message), service, message };
    entries.splice(upperBound(entries, e), 0, e);
  }
}

function lowerBound<T>(entries: Entry<T>[], e: Entry<T>): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(entries[mid]!, e) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound<T>(entries: Entry<T>[], e: Entry<T>): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(entries[mid]!, e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
