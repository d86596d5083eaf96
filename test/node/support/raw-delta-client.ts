import { create } from "@bufbuild/protobuf";
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { adsServiceDefinition } from "../../../src/xds-bridge/xds/ads-service.js";
import { AdsStreamClient, type CommonRequest } from "./ads-stream-client.js";

/** Fields of a DeltaDiscoveryRequest a test chooses; the node is added to the first one. */
export interface RawDeltaRequest extends CommonRequest {
  subscribe?: string[];
  unsubscribe?: string[];
  /** initial_resource_versions: name -> version the client already has. */
  initialVersions?: Record<string, string>;
}

/**
 * A bare delta (incremental) ADS client: sends exactly the
 * DeltaDiscoveryRequests a test asks for and hands back decoded responses.
 * It also applies every response to its own per-type name -> version view,
 * as a real client would, so a test can reconnect with
 * initial_resource_versions.
 *
 * @example
 *   const c = RawDeltaClient.connect(ads.address, { id: "p1" });
 *   c.subscribe(TYPE_URL.cluster);             // legacy wildcard
 *   c.ack(await c.next(TYPE_URL.cluster));
 *   const again = RawDeltaClient.connect(ads.address, { id: "p1" });
 *   again.subscribe(TYPE_URL.cluster, [], c.versions(TYPE_URL.cluster));
 */
export class RawDeltaClient extends AdsStreamClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  private readonly held = new Map<string, Map<string, string>>();

  protected override readonly label = "delta ADS";

  /** Sends one request as given (plus node on the first). */
  send(request: RawDeltaRequest): void {
    this.write(request, (common) =>
      create(DeltaDiscoveryRequestSchema, {
        ...common,
        resourceNamesSubscribe: request.subscribe ?? [],
        resourceNamesUnsubscribe: request.unsubscribe ?? [],
        initialResourceVersions: request.initialVersions ?? {},
      }),
    );
  }

  /** Subscribes to more names ("*" for wildcard; none on a first LDS/CDS request: legacy wildcard). */
  subscribe(typeUrl: string, names: string[] = [], initialVersions?: Record<string, string>): void {
    this.send({ typeUrl, subscribe: names, initialVersions });
  }

  /** Unsubscribes from names ("*" ends a wildcard). */
  unsubscribe(typeUrl: string, names: string[]): void {
    this.send({ typeUrl, unsubscribe: names });
  }

  /** Accepts a response. */
  ack(response: DeltaDiscoveryResponse): void {
    this.send({ typeUrl: response.typeUrl, responseNonce: response.nonce });
  }

  /** Rejects a response. */
  nack(response: DeltaDiscoveryResponse, errorDetail: string): void {
    this.send({ typeUrl: response.typeUrl, responseNonce: response.nonce, errorDetail });
  }

  /** The next response of `typeUrl` (see `next`), ACKed. */
  async nextAcked(typeUrl: string, match?: (r: DeltaDiscoveryResponse) => boolean): Promise<DeltaDiscoveryResponse> {
    const response = await this.next(typeUrl, match);
    this.ack(response);
    return response;
  }

  /**
   * Subscribes to one more resource, which must exist and be new to this
   * stream, and waits for (and ACKs) the response carrying it. Requests and
   * responses are ordered on the stream, so afterwards the server has acted on
   * every earlier request and every earlier response has arrived.
   */
  async sync(typeUrl: string, name: string): Promise<void> {
    this.subscribe(typeUrl, [name]);
    await this.nextAcked(typeUrl, (r) => r.resources.some((resource) => resource.name === name));
  }

  /** What the client holds of a type (name -> version), for initial_resource_versions. */
  versions(typeUrl: string): Record<string, string> {
    return Object.fromEntries(this.held.get(typeUrl) ?? []);
  }

  protected override method() {
    return adsServiceDefinition.DeltaAggregatedResources;
  }

  protected override observe(response: DeltaDiscoveryResponse): void {
    let held = this.held.get(response.typeUrl);
    if (!held) {
      held = new Map();
      this.held.set(response.typeUrl, held);
    }
    for (const r of response.resources) held.set(r.name, r.version);
    for (const name of response.removedResources) held.delete(name);
  }
}

/**
 * Names of the resources a delta response carries (updated or added), in order.
 *
 * @example deltaNamesOf(await client.next(TYPE_URL.cluster)) // ["echo-c"]
 */
export function deltaNamesOf(response: DeltaDiscoveryResponse): string[] {
  return response.resources.map((r) => r.name);
}
