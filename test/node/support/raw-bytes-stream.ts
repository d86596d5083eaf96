import * as grpc from "@grpc/grpc-js";

/**
 * A bidirectional stream on `path` that writes and reads raw bytes, to send
 * what no well-typed client would. Its channel closes when the stream ends.
 *
 * @example
 *   const { call, ended } = rawBytesStream(ads.address, adsServiceDefinition.StreamAggregatedResources.path);
 *   call.write(Buffer.from([0xff]));
 *   (await ended).code; // grpc.status.INTERNAL
 */
export function rawBytesStream(address: string, path: string): { call: grpc.ClientDuplexStream<Buffer, Buffer>; ended: Promise<grpc.StatusObject> } {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest(path, (b: Buffer) => b, (b: Buffer) => b);
  // Errors also arrive as a status; listening keeps them from being thrown.
  call.on("error", () => {});
  const ended = new Promise<grpc.StatusObject>((resolve) =>
    call.on("status", (s: grpc.StatusObject) => {
      client.close();
      resolve(s);
    }),
  );
  return { call, ended };
}
