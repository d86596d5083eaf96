import { z } from "zod";
import { addFault } from "../schema-errors.js";
import { name, port } from "./fields.js";
import { strictObject } from "./strict-object.js";

export const protocol = z.enum(["http", "grpc", "tcp"]);

export const servicePort = strictObject({
  port,
  name: name.optional(),
  protocol: protocol.optional(),
  /** Port the workloads listen on; defaults to `port`. */
  targetPort: port.optional(),
});

/** `Service.spec`: its ports, each listed once. */
export const serviceSpec = strictObject({
  ports: z
    .array(servicePort)
    .min(1)
    .max(64)
    .superRefine((ports, ctx) => {
      const seen = new Set<number>();
      ports.forEach((p, i) => {
        if (seen.has(p.port)) addFault(ctx, { code: "invalid_field", message: () => `port ${p.port} is listed twice` }, [i, "port"]);
        seen.add(p.port);
      });
    }),
});
