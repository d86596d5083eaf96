#!/usr/bin/env node
// Runs the CLI from its TypeScript source through tsx's loader, so the
// repository needs no build step (as bin/edgeplane-bridge.js does).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
