import { TYPED_CONFIGS } from "../../../src/xds-bridge/translate/index.js";

/** The types translation packs into an Any, for golden files and the PGV checker (translate/typed-configs.ts). */
export const XDS_REGISTRY = TYPED_CONFIGS;
