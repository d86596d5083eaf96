import type { Logger } from "./logger.js";
import type { ProxyCallbacks } from "./xds/proxy-callbacks.js";

/**
 * The ADS callbacks that log proxies coming and going and what they accept
 * or refuse: the events the end-to-end tests and the benchmark read.
 *
 * @example startAdsServer({ cache, callbacks: combineCallbacks(tracker, proxyEventLog(log)) });
 */
export function proxyEventLog(log: Logger): ProxyCallbacks {
  return {
    onStreamOpen: (p) => log.info("proxy_connected", { proxy: p.id, mesh: p.mesh, stream: p.streamId }),
    onStreamClosed: (p) => log.info("proxy_disconnected", { proxy: p.id, stream: p.streamId }),
    onAck: (p, typeUrl, version) => log.info("ack", { proxy: p.id, type: typeUrl, version }),
    onNack: (p, typeUrl, kept, rejected, error) => log.warn("nack", { proxy: p.id, type: typeUrl, kept, rejected, error }),
  };
}
