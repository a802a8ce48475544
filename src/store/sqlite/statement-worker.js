// The SQLite store's own thread (src/store/sqlite/worker-driver.ts starts it and speaks to it). better-sqlite3 runs
// each statement synchronously on the thread that calls it; on the main thread a full sync's coupling inserts,
// write intents and commits held the event loop for ~1 s per 20,000 records (18% of the customer workload's CPU
// samples), while responses waited to be read and the next requests to be sent. Here they run beside it.
//
// Plain JavaScript: a worker thread is started from a file, and neither vitest nor tsx's loader carry over to a
// worker's own module loader on Node 20, so a TypeScript file could not be started from source.
//
// Messages in:  { id, sql, params }  run one statement;  { id, close: true }  close the database.
// Messages out: { ready: true } or { failed: error } once, after opening; then per message
//               { id, rows } (a statement that returns rows), { id, changes, lastInsertRowid }, { id, error }.
import { parentPort, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";

/** Statements kept prepared, by SQL text (the most recently used ones). */
const STATEMENT_CACHE_SIZE = 200;

/** @type {{ filename: string, pragmas: string[] }} */
const { filename, pragmas } = workerData;

/** An error as plain data: what the main thread needs to rebuild it (SQLite's code above all). */
function errorData(error) {
  return {
    name: error?.name ?? "Error",
    message: error?.message ?? String(error),
    code: typeof error?.code === "string" ? error.code : undefined,
  };
}

let db;
try {
  db = new SQLite(filename);
  for (const pragma of pragmas) db.pragma(pragma);
} catch (error) {
  parentPort.postMessage({ failed: errorData(error) });
  db = undefined;
}

// Kysely prepares every query it runs; a multi-row insert of a full sync's page (200 rows, thousands of parameters)
// then costs more to parse than to run. The same SQL text reuses its prepared statement instead. The driver sends
// one statement at a time and reads each result whole, so a cached statement is never in use twice at once.
const statements = new Map();
function prepare(sql) {
  let statement = statements.get(sql);
  if (statement) {
    // Most recently used last: the first entry is the one to drop when the cache is full.
    statements.delete(sql);
  } else {
    statement = db.prepare(sql);
    if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value);
  }
  statements.set(sql, statement);
  return statement;
}

if (db) {
  parentPort.on("message", (message) => {
    const { id } = message;
    if (message.close) {
      try {
        db.close();
        parentPort.postMessage({ id, closed: true });
      } catch (error) {
        parentPort.postMessage({ id, error: errorData(error) });
      }
      parentPort.close();
      return;
    }
    try {
      const statement = prepare(message.sql);
      if (statement.reader) {
        parentPort.postMessage({ id, rows: statement.all(message.params) });
      } else {
        const { changes, lastInsertRowid } = statement.run(message.params);
        parentPort.postMessage({ id, changes, lastInsertRowid });
      }
    } catch (error) {
      parentPort.postMessage({ id, error: errorData(error) });
    }
  });
  parentPort.postMessage({ ready: true });
}
