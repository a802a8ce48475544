import { defineError } from "../define.ts";

// Errors of the Sales integration layer (src/integration/): settings rules, solution install, reconnect,
// the multiple-units-of-measure switch.

export const INTEGRATION_SALES_ORDER_MODES_EXCLUSIVE = defineError<Record<string, never>>({
  code: "BCSYNC_E_INTEGRATION_SALES_ORDER_MODES_EXCLUSIVE",
  message:
    "Legacy sales order integration and bidirectional sales order synchronization cannot both be on: they exclude each other.",
  status: 400,
  fix: "Switch one of them off: `integration.legacySalesOrders` or `integration.bidirectionalSalesOrders` (setup flags --legacy-sales-orders / --bidirectional-sales-orders).",
});

export const INTEGRATION_LEGACY_ORDERS_WAITING = defineError<{ count: number }>({
  code: "BCSYNC_E_INTEGRATION_LEGACY_ORDERS_WAITING",
  message:
    "Legacy sales order integration cannot be switched off while {count} submitted Sales order(s) wait to be created in Business Central.",
  status: 409,
  fix: "Create them first: `npx bcsync orders submitted` lists them and `npx bcsync orders create <salesorderid>` creates one (or cancel them in Sales); then run setup again with the new mode.",
});

export const INTEGRATION_AUTO_CREATE_NEEDS_LEGACY = defineError<Record<string, never>>({
  code: "BCSYNC_E_INTEGRATION_AUTO_CREATE_NEEDS_LEGACY",
  message: "Automatically creating sales orders needs the legacy sales order integration, which is off.",
  status: 400,
  fix: "Switch on `integration.legacySalesOrders`, or switch off `integration.sales.autoCreateSalesOrders` (bidirectional sync brings submitted orders itself).",
});

export const INTEGRATION_SETTINGS_INVALID = defineError<{ key: string; reason: string }>({
  code: "BCSYNC_E_INTEGRATION_SETTINGS_INVALID",
  message: "Integration setting '{key}' is not valid: {reason}.",
  status: 400,
  fix: "Correct 'integration.{key}' in the configuration file, or run `bcsync setup` again.",
});

export const INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR = defineError<{ user: string }>({
  code: "BCSYNC_E_INTEGRATION_USER_IS_SYSTEM_ADMINISTRATOR",
  message: "The integration user {user} holds the System Administrator role in Dataverse; it must not.",
  status: 400,
  fix: "Remove the System Administrator role from the application user in the Power Platform admin center, or register another app for the integration.",
});

export const INTEGRATION_SOLUTION_STEP_FAILED = defineError<{ step: string; reason: string }>({
  code: "BCSYNC_E_INTEGRATION_SOLUTION_STEP_FAILED",
  message: "Installing the integration solution failed at '{step}': {reason}.",
  status: 502,
  fix: "Check that the application user may create security roles and rows in Dataverse, then run `bcsync setup --reinstall-solution`.",
});

export const INTEGRATION_TABLE_MISSING = defineError<{ table: string }>({
  code: "BCSYNC_E_INTEGRATION_TABLE_MISSING",
  message: "The Dataverse table {table} that the integration needs does not exist.",
  status: 424,
  fix: "Import the Business Central integration solution into the environment (it brings {table}), then run `bcsync setup --reinstall-solution`.",
});

export const INTEGRATION_RESET_NOT_CONFIRMED = defineError<{ custom: string }>({
  code: "BCSYNC_E_INTEGRATION_RESET_NOT_CONFIRMED",
  message:
    "Reconnecting resets the table mappings to the defaults and discards the custom ones ({custom}); not confirmed.",
  status: 409,
  fix: "Run again with --yes (the previous set is exported first), or export the mappings with `bcsync mappings export` and decide.",
});

export const INTEGRATION_UNKNOWN_MAPPING = defineError<{ mapping: string; known: string }>({
  code: "BCSYNC_E_INTEGRATION_UNKNOWN_MAPPING",
  message: "There is no table mapping named {mapping}.",
  status: 404,
  fix: "Use one of: {known} (see `bcsync mappings list`).",
});

export const INTEGRATION_NOT_SET_UP = defineError<{ config: string }>({
  code: "BCSYNC_E_INTEGRATION_NOT_SET_UP",
  message: "The configuration {config} has no Dataverse or Business Central connection.",
  status: 400,
  fix: "Run `bcsync setup --config {config}` first (or `bcsync setup --emulators FILE` for the local emulators).",
});

export const INTEGRATION_PRODUCT_UNIT_GROUP_CHANGE = defineError<{ product: string; from: string; to: string }>({
  code: "BCSYNC_E_INTEGRATION_PRODUCT_UNIT_GROUP_CHANGE",
  message:
    "Product {product} would move from unit group {from} to {to}; Sales does not allow a product's unit group to change.",
  status: 409,
  fix: "Uncouple the product, rename or retire it in Sales, and restart ITEM-PRODUCT / RESOURCE-PRODUCT so a new product is created with its own unit group (`bcsync review --enable-unit-groups` does all of it).",
});

export const INTEGRATION_EMULATORS_FILE_INVALID = defineError<{ path: string; reason: string }>({
  code: "BCSYNC_E_INTEGRATION_EMULATORS_FILE_INVALID",
  message: "The emulators file {path} is not the JSON line `bcsync emulate --json` prints: {reason}.",
  status: 400,
  fix: "Save the output of `bcsync emulate --json` (one JSON line) to the file and pass it with --emulators.",
});

export const INTEGRATION_CONNECTION_TEST_FAILED = defineError<{ service: string; reason: string }>({
  code: "BCSYNC_E_INTEGRATION_CONNECTION_TEST_FAILED",
  message: "The connection test to {service} failed: {reason}.",
  status: 502,
  fix: "Check the URL, tenant and app registration of {service}, and that the client secret's environment variable or file is set.",
});

// Sales order and quote flows (src/integration/flows/, seed S7–S10).

export const INTEGRATION_ORDER_NOT_FOUND = defineError<{ order: string }>({
  code: "BCSYNC_E_INTEGRATION_ORDER_NOT_FOUND",
  message: "There is no Sales order {order}.",
  status: 404,
  fix: "Give the salesorderid of an existing order (`bcsync orders submitted` lists the submitted ones).",
});

export const INTEGRATION_ORDER_NOT_SUBMITTED = defineError<{ order: string; state: string }>({
  code: "BCSYNC_E_INTEGRATION_ORDER_NOT_SUBMITTED",
  message: "Sales order {order} is {state}; only Submitted orders are created in Business Central.",
  status: 409,
  fix: "Submit the order in Sales, then run `bcsync orders create` again (or let the auto-create job take it).",
});

export const INTEGRATION_ORDER_CUSTOMER_NOT_COUPLED = defineError<{ order: string; customer: string }>({
  code: "BCSYNC_E_INTEGRATION_ORDER_CUSTOMER_NOT_COUPLED",
  message:
    "Sales order {order}: its customer {customer} is not coupled to a Business Central customer (mapping CUSTOMER).",
  status: 409,
  fix: "Couple the account with `bcsync couple CUSTOMER` or synchronize CUSTOMER (`bcsync sync CUSTOMER`); a contact customer needs a coupled parent account. The order stays Submitted and is taken on the next run.",
});

export const INTEGRATION_ORDER_PRODUCT_NOT_COUPLED = defineError<{ order: string; line: string; product: string }>({
  code: "BCSYNC_E_INTEGRATION_ORDER_PRODUCT_NOT_COUPLED",
  message:
    "Sales order {order}, line {line}: product {product} is not coupled to a Business Central item or resource (ITEM-PRODUCT / RESOURCE-PRODUCT).",
  status: 409,
  fix: "Synchronize ITEM-PRODUCT and RESOURCE-PRODUCT (or couple the product by hand), or make the line a write-in product. The order stays Submitted (bidirectional: reopen it to Active, fix the line, submit again).",
});

export const INTEGRATION_ORDER_BC_WRITE_FAILED = defineError<{ order: string; step: string; reason: string }>({
  code: "BCSYNC_E_INTEGRATION_ORDER_BC_WRITE_FAILED",
  message: "Sales order {order}: Business Central refused '{step}': {reason}",
  status: 502,
  fix: "Correct what Business Central names (the order was rolled back to its previous state), then run the flow again; in bidirectional mode reopen the Sales order to Active, fix it and submit it again.",
});

export const INTEGRATION_ORDER_SALES_WRITE_FAILED = defineError<{ order: string; step: string; reason: string }>({
  code: "BCSYNC_E_INTEGRATION_ORDER_SALES_WRITE_FAILED",
  message: "Sales order {order}: Dataverse refused '{step}': {reason}",
  status: 502,
  fix: "Check the integration user's privileges on salesorder/salesorderdetail (`bcsync setup --reinstall-solution` resets them) and run the job again.",
});

export const INTEGRATION_ORDERS_MODE_OFF = defineError<Record<string, never>>({
  code: "BCSYNC_E_INTEGRATION_ORDERS_MODE_OFF",
  message: "Neither legacy sales order integration nor bidirectional sales order synchronization is on.",
  status: 400,
  fix: "Run `bcsync setup` with --legacy-sales-orders or --bidirectional-sales-orders (or set `integration.legacySalesOrders` / `integration.bidirectionalSalesOrders`).",
});

export const INTEGRATION_QUOTE_FAILED = defineError<{ quote: string; step: string; reason: string }>({
  code: "BCSYNC_E_INTEGRATION_QUOTE_FAILED",
  message: "Sales quote {quote}: '{step}' failed: {reason}",
  status: 502,
  fix: "Correct what is named (customer and products must be coupled), then let the auto-process quotes job run again.",
});

export const INTEGRATION_MAPPING_FILE_INVALID = defineError<{ file: string; issue: string }>({
  code: "BCSYNC_E_INTEGRATION_MAPPING_FILE_INVALID",
  message: "The mapping file {file} is not valid: {issue}.",
  status: 400,
  fix: "Correct the file (`npx bcsync mappings export --out mappings.yaml` writes a valid one to start from), then import it again with `npx bcsync mappings import {file}`.",
});
