/**
 * A proxyless gRPC *server* of the mesh: an @grpc/grpc-js-xds `XdsServer`
 * that takes its listener (and with it mTLS, and RBAC) from the bridge.
 * It answers the echo method with its name and, as the message, who called:
 * the caller's SPIFFE ID from its client certificate, or "plaintext".
 *
 *   GRPC_XDS_BOOTSTRAP=server.json node --import tsx examples/echo/xds-echo-server.ts --address 127.0.0.1:50061 --name echo-1
 *
 * The bootstrap comes from `edgeplane-bridge bootstrap --service S`. The
 * address must be the one the service's Workload publishes: the server asks
 * for the Listener named after it (edgeplane/inbound/ADDRESS:PORT). Prints
 * one line `serving ADDRESS` once bound. RBAC in grpc-js-xds needs
 * GRPC_XDS_EXPERIMENTAL_RBAC=true in this process.
 */
import * as grpc from "@grpc/grpc-js";
import { register, XdsServer, XdsServerCredentials } from "@grpc/grpc-js-xds";
import { parseArgs } from "node:util";
import { ECHO_OTHER_METHOD_PATH, echoMethod, type EchoReply, type EchoRequest } from "./echo-backend.js";

const { values } = parseArgs({ options: { address: { type: "string" }, name: { type: "string" } }, strict: true });
if (!values.address || !values.name) {
  process.stderr.write("usage: xds-echo-server.ts --address IP:PORT --name NAME\n");
  process.exit(2);
}
const name = values.name;

/** The caller's identity as its certificate states it (URI SAN), or "plaintext". */
function caller(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>): string {
  const auth = call.getAuthContext();
  if (auth.transportSecurityType !== "ssl") return "plaintext";
  const san = auth.sslPeerCertificate?.subjectaltname ?? "";
  return /URI:(spiffe:\/\/[^,\s]+)/.exec(san)?.[1] ?? "tls-without-identity";
}

const answer = (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => callback(null, { backend: name, message: caller(call) });
// register() installs the HTTP filters (router, RBAC) and the xds: resolver; a server needs them as a client does.
register();
const server = new XdsServer();
server.addService({ Call: echoMethod, Other: { ...echoMethod, path: ECHO_OTHER_METHOD_PATH } }, { Call: answer, Other: answer });
server.bindAsync(values.address, new XdsServerCredentials(grpc.ServerCredentials.createInsecure()), (err) => {
  if (err) {
    process.stderr.write(`bind ${values.address}: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`serving ${values.address}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.tryShutdown(() => process.exit(0)));
