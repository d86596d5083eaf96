/**
 * protoc-gen-validate checks for Envoy messages, read from the PGV
 * annotations the generated descriptors keep. See README.md.
 */
export { validateMessage } from "./validate-message.js";
