// The users the integration's own writes are stamped with, per side. The connectors sign in as every configured app
// registration in turn (the credentials and `extraPrincipals`, Microsoft's way past one principal's limits), and
// each is its own application user in Dataverse: a row any of them wrote last is the integration's (echo
// suppression, BC's rule that an uncoupled row the integration user wrote is ignored, S15's "not modified by the
// integration user"), never a person's edit.
import { sameValue } from "./values.ts";

export interface IntegrationUsers {
  readonly bc?: readonly string[];
  readonly dataverse?: readonly string[];
}

/** True when `modifiedBy` names one of `users` (ids compared as values: GUIDs in any case). */
export function isIntegrationUser(users: readonly string[] | undefined, modifiedBy: unknown): boolean {
  if (!users || modifiedBy === undefined || modifiedBy === null) return false;
  return users.some((user) => sameValue(user, modifiedBy));
}
