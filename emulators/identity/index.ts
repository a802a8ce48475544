// The identity emulator's public surface.
export * from "./demo-apps.ts";
export { type EntraError, entraError } from "./errors.ts";
export { createTokenVerifier, type VerifierOptions } from "./jwt.ts";
export {
  type IdentityEmulator,
  type IdentityEmulatorOptions,
  type IssueOptions,
  servicePrincipalObjectId,
  startIdentityEmulator,
} from "./server.ts";
