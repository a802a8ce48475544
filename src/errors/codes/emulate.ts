import { defineError } from "../define.ts";

// Errors of `bcsync emulate`: options it cannot use and ports it cannot open.

export const EMULATE_OPTION_INVALID = defineError<{ option: string; value: string; expected: string }>({
  code: "BCSYNC_E_EMULATE_OPTION_INVALID",
  message: "The option {option} has the value '{value}', but {expected}.",
  status: 400,
  fix: "Run `bcsync emulate {option} <value>` with {expected}, or leave the option out to use its default.",
});

export const EMULATE_PORT_IN_USE = defineError<{ service: string; port: number; option: string }>({
  code: "BCSYNC_E_EMULATE_PORT_IN_USE",
  message: "The {service} emulator cannot listen on port {port}: another process uses it.",
  status: 409,
  fix: "Stop the other process (perhaps an earlier `bcsync emulate`), or pick another port with {option}, or 0 for any free port.",
});
