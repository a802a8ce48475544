// The identity emulator's public surface.
export * from "./demo-apps.ts";
export { type EntraError, entraError } from "./errors.ts";
export { createTokenVerifier, type VerifierOptions } from "./jwt.ts";
export { servicePrincipalObjectId } from "./principals.ts";
export {
  type IdentityEmulator,
  type IdentityEmulatorOptions,
  type IssueOptions,
  startIdentityEmulator,
} from "./server.ts";
