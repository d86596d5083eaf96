import { create } from "@bufbuild/protobuf";
import {
  DiscoveryRequestSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from "../../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { adsServiceDefinition } from "../../../src/xds-bridge/xds/ads-service.js";
import { resourceNameOf } from "../../../src/xds-bridge/xds/resource-kinds.js";
import { AdsStreamClient, type CommonRequest } from "./ads-stream-client.js";

export type { RawNode } from "./ads-stream-client.js";

/** Fields of a DiscoveryRequest a test chooses; the node is added to the first one. */
export interface RawRequest extends CommonRequest {
  resourceNames?: string[];
  versionInfo?: string;
}

/** Per type, what a real client would remember between requests. */
interface TypeMemory {
  names: string[];
  lastNonce: string;
  ackedVersion: string;
}

/**
 * A bare ADS client: sends exactly the DiscoveryRequests a test asks for
 * (stale nonces, NACKs, odd subscriptions) and hands back decoded responses.
 * Helpers ack/nack/subscribe behave like a well-mannered client.
 *
 * @example
 *   const c = RawAdsClient.connect(ads.address, { id: "p1" });
 *   c.subscribe(TYPE_URL.listener);            // wildcard
 *   const lds = await c.next(TYPE_URL.listener);
 *   c.ack(lds);
 *   c.close();
 */
export class RawAdsClient extends AdsStreamClient<DiscoveryRequest, DiscoveryResponse> {
  private readonly memory = new Map<string, TypeMemory>();

  protected override readonly label = "ADS";

  /** Sends one request as given (plus node on the first). */
  send(request: RawRequest): void {
    this.write(request, (common) =>
      create(DiscoveryRequestSchema, { ...common, resourceNames: request.resourceNames ?? [], versionInfo: request.versionInfo ?? "" }),
    );
  }

  /**
   * (Re)subscribes like a real client: echoes the latest nonce received and
   * the last ACKed version of the type (so the server also counts it an ACK).
   */
  subscribe(typeUrl: string, names: string[] = []): void {
    const m = this.remember(typeUrl);
    m.names = names;
    this.send({ typeUrl, resourceNames: names, responseNonce: m.lastNonce, versionInfo: m.ackedVersion });
  }

  /** Accepts a response. */
  ack(response: DiscoveryResponse): void {
    this.remember(response.typeUrl).ackedVersion = response.versionInfo;
    this.answer(response, undefined);
  }

  /** Rejects a response, keeping the previously ACKed version. */
  nack(response: DiscoveryResponse, errorDetail: string): void {
    this.answer(response, errorDetail);
  }

  protected override method() {
    return adsServiceDefinition.StreamAggregatedResources;
  }

  protected override observe(response: DiscoveryResponse): void {
    // A real client echoes the latest nonce it saw on its next request.
    this.remember(response.typeUrl).lastNonce = response.nonce;
  }

  /** Answers `response` on its type's subscription, with the last ACKed version. */
  private answer(response: DiscoveryResponse, errorDetail: string | undefined): void {
    const m = this.remember(response.typeUrl);
    m.lastNonce = response.nonce;
    this.send({ typeUrl: response.typeUrl, resourceNames: m.names, responseNonce: response.nonce, versionInfo: m.ackedVersion, errorDetail });
  }

  private remember(typeUrl: string): TypeMemory {
    let m = this.memory.get(typeUrl);
    if (!m) {
      m = { names: [], lastNonce: "", ackedVersion: "" };
      this.memory.set(typeUrl, m);
    }
    return m;
  }
}

/**
 * Names of the resources a response carries, in order.
 *
 * @example namesOf(await client.next(TYPE_URL.cluster)) // ["echo-c"]
 */
export function namesOf(response: DiscoveryResponse): string[] {
  return response.resources.map(resourceNameOf);
}
