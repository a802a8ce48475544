// The hooks a table's business rules implement; the page layer calls them around every write, like AL triggers.

import type { EntityDef, Row } from "../entities/types.ts";
import type { CompanyStore } from "../store/database.ts";

export interface RuleContext {
  store: CompanyStore;
  def: EntityDef;
  workDate: string;
}

export interface TableRules {
  /** Fills defaults and validates; may change `row` (the new row in stored shape). */
  beforeInsert?(ctx: RuleContext, row: Row): void;
  afterInsert?(ctx: RuleContext, row: Row): void;
  /** Validates and completes `changes` (stored shape) against the `current` row. */
  beforeModify?(ctx: RuleContext, current: Row, changes: Row): void;
  afterModify?(ctx: RuleContext, row: Row): void;
  beforeDelete?(ctx: RuleContext, row: Row): void;
  afterDelete?(ctx: RuleContext, row: Row): void;
  /** Values computed on read (FlowFields): merged over the stored row before serializing. */
  decorate?(store: CompanyStore, row: Row): Row;
}

export type ActionHandler = (ctx: RuleContext, row: Row) => void;

export const today = (): string => new Date().toISOString().slice(0, 10);
