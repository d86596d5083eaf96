#!/usr/bin/env node
// Runs the bridge from its TypeScript source through tsx's loader, so the
// repository needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/xds-bridge/main.ts");
