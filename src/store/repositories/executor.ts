import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

/** A connection or a transaction: repositories run the same queries on either. */
export type Executor = Kysely<Database>;

export const nowIso = (): string => new Date().toISOString();

export const toFlag = (value: boolean): number => (value ? 1 : 0);
