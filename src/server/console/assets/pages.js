// The console's pages, in the order an administrator works: overview, sync log and its errors, couplings,
// conflicts, held deletions, job queue, reconciliation (table mappings, with their edit form, are in mappings.js).
// Each reads and changes things only through the REST API (/api/v1), so the console can do nothing a script with
// an API token cannot.

import { useState } from "preact/hooks";
import { ActivityChart, LiveProgress } from "./activity.js";
import { api } from "./api.js";
import {
  ActionButton,
  Badge,
  DIRECTIONS,
  ErrorMessage,
  html,
  humanStatus,
  Loaded,
  RefreshButton,
  runSummary,
  show,
  Table,
  useApi,
  useNotice,
  when,
} from "./ui.js";

const COUNTERS = ["inserted", "modified", "deleted", "unchanged", "skipped", "failed", "coupled", "uncoupled"];

function RunsTable({ runs, caption }) {
  return html`<${Table}
    caption=${caption}
    rows=${runs}
    empty="No runs yet."
    columns=${[
      ["Mapping", (r) => r.mappingName],
      ["Direction", (r) => DIRECTIONS[r.direction] ?? r.direction],
      ["Status", (r) => html`<${Badge} status=${r.dryRun ? `${r.status} (dry run)` : r.status} />`],
      ["Started", (r) => when(r.startedAt)],
      ...COUNTERS.map((c) => [c[0].toUpperCase() + c.slice(1), (r) => r[c]]),
      ["Message", (r) => r.message ?? ""],
    ]}
  />`;
}

export function Overview() {
  const status = useApi("/status");
  const runs = useApi("/log?limit=15");
  const jobs = useApi("/jobs");
  // A new key remounts the chart, which reads the sync log again (after a run ended or a sync from this page).
  const [chartKey, setChartKey] = useState(0);
  const reload = () => {
    setChartKey((k) => k + 1);
    return Promise.all([status.reload(), runs.reload(), jobs.reload()]);
  };
  return html`<section aria-labelledby="overview-title">
    <div class="title-row">
      <h1 id="overview-title">Overview</h1>
      <${RefreshButton} reload=${reload} />
    </div>
    <${Loaded} resource=${status}>
      ${(s) => html`<div class="cards">
        <section class="card" aria-labelledby="connection-title">
          <h2 id="connection-title">Connection</h2>
          <dl>
            <dt>Company</dt><dd>${s.company}</dd>
            <dt>Business Central</dt><dd class="url">${s.businessCentral ?? "—"}</dd>
            <dt>Sales (Dataverse)</dt><dd class="url">${s.dataverse ?? "—"}</dd>
            <dt>Sales connection</dt><dd><${Badge} status=${s.dataverseConnected ? "connected" : "failed"} /></dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="attention-title">
          <h2 id="attention-title">Needs attention</h2>
          <ul class="counts">
            <li><a href="#/log"><strong data-count="errors">${s.errors}</strong> sync errors</a></li>
            <li><a href="#/conflicts"><strong data-count="conflicts">${s.openConflicts}</strong> open conflicts</a></li>
            <li><a href="#/deletions"><strong data-count="deletions">${s.heldDeletions}</strong> held deletions</a></li>
          </ul>
        </section>
        <section class="card" aria-labelledby="jobs-title">
          <h2 id="jobs-title">Job queue</h2>
          <p>${s.mappings} table mappings.</p>
          <ul class="counts">
            ${Object.entries(s.queue).map(([state, n]) => html`<li><strong>${n}</strong> ${humanStatus(state)}</li>`)}
          </ul>
          <${ActionButton}
            label="Synchronize now"
            busyLabel="Synchronizing…"
            kind="primary"
            action=${async () => `Synchronized: ${runSummary(await api("POST", "/sync", {}))}`}
            onDone=${reload}
          />
        </section>
      </div>`}
    <//>
    <${LiveProgress} onFinished=${reload} />
    <${ActivityChart} key=${chartKey} />
    <h2>Last runs</h2>
    <${Loaded} resource=${runs}>${(r) => html`<${RunsTable} runs=${r} caption="The 15 newest runs, with counters" />`}<//>
  </section>`;
}

/** A mapping's job queue entry (the Table mappings page shows it with its buttons, as the Job queue page does). */
export function jobOf(jobs, mapping) {
  return (jobs ?? []).find((j) => j.mappingName === mapping);
}

export function JobButtons({ job, onDone }) {
  if (!job) return html`<span class="muted">no job queue entry</span>`;
  const act = (verb) => async () => `Now ${humanStatus((await api("POST", `/jobs/${job.id}/${verb}`)).status)}`;
  // On hold by a person or for inactivity: either way, Resume brings it back. Keyed, so the swapped button starts
  // without the other one's outcome.
  return html`<span class="buttons">
    <${ActionButton} label="Run now" action=${act("run")} onDone=${onDone} />
    ${
      job.status.startsWith("on_hold")
        ? html`<${ActionButton} key="resume" label="Resume" action=${act("resume")} onDone=${onDone} />`
        : html`<${ActionButton} key="hold" label="Hold" action=${act("hold")} onDone=${onDone} />`
    }
  </span>`;
}

export function SyncLog() {
  const [notice, setNotice] = useNotice();
  const errors = useApi("/errors?limit=200");
  const skipped = useApi("/skipped");
  const runs = useApi("/log?limit=50");
  return html`<section aria-labelledby="log-title">
    <div class="title-row">
      <h1 id="log-title">Sync log</h1>
      <${RefreshButton} reload=${() => Promise.all([errors.reload(), skipped.reload(), runs.reload()])} />
    </div>
    <h2>Errors</h2>
    <p class="muted">Errors of each mapping's latest run. Open one to read what it means and retry or skip it.</p>
    <${Loaded} resource=${errors}>
      ${(list) => html`<${Table}
        rows=${list}
        empty="No standing errors."
        columns=${[
          ["Mapping", (e) => e.mappingName],
          ["Direction", (e) => DIRECTIONS[e.direction] ?? e.direction],
          ["Record", (e) => e.sourceId ?? e.destinationId ?? "—"],
          ["Error", (e) => html`<a href=${`#/log/errors/${e.id}`}>${e.message}</a>`],
          ["When", (e) => when(e.createdAt)],
        ]}
      />`}
    <//>
    <h2>Skipped records</h2>
    ${notice}
    <${Loaded} resource=${skipped}>
      ${(list) => html`<${Table}
        rows=${list}
        empty="No skipped records."
        columns=${[
          ["Mapping", (c) => c.mappingName],
          ["Business Central id", (c) => c.bcId],
          ["Reason", (c) => c.lastError ?? ""],
          [
            "",
            (c) => html`<${ActionButton}
              label="Un-skip"
              action=${async () => `${(await api("POST", `/skipped/${encodeURIComponent(c.mappingName)}/unskip`, { bcId: c.bcId })).unskipped} record taken back`}
              onDone=${(text) => {
                setNotice(`${c.mappingName} ${c.bcId}: ${text}; the next run synchronizes it.`);
                return skipped.reload();
              }}
            />`,
          ],
        ]}
      />`}
    <//>
    <h2>Runs</h2>
    <${Loaded} resource=${runs}>${(r) => html`<${RunsTable} runs=${r} caption="The 50 newest runs" />`}<//>
  </section>`;
}

export function ErrorDetail({ id }) {
  const error = useApi(`/errors/${encodeURIComponent(id)}`);
  const [done, setDone] = useState(undefined);
  return html`<section aria-labelledby="error-title">
    <p><a href="#/log">← Sync log</a></p>
    <h1 id="error-title">Sync error</h1>
    ${
      done
        ? html`<div class="notice" role="status">
            <p>${done.text}</p>
            <p>
              ${done.next ? html`<a href=${`#/log/errors/${done.next}`}>Open its new error</a> · ` : null}
              <a href="#/log">Back to the sync log</a>
            </p>
          </div>`
        : html`<${Loaded} resource=${error}>
            ${(e) => html`<article class="card">
              <h2 class="message">${e.message}</h2>
              <dl>
                <dt>Mapping</dt><dd>${e.mappingName} (${DIRECTIONS[e.direction] ?? e.direction})</dd>
                <dt>Record</dt><dd>${e.sourceId ?? "—"}</dd>
                ${e.field ? html`<dt>Field</dt><dd>${e.field}</dd>` : null}
                <dt>Code</dt><dd><code>${e.code ?? "—"}</code></dd>
                <dt>When</dt><dd>${when(e.createdAt)}</dd>
              </dl>
              <h3>What to do</h3>
              <p class="fix" id="error-fix">${e.fix}</p>
              ${e.detail ? html`<details><summary>Details from the service</summary><pre>${e.detail}</pre></details>` : null}
              <div class="buttons">
                <${ActionButton}
                  label="Retry"
                  busyLabel="Retrying…"
                  kind="primary"
                  describedBy="error-fix"
                  action=${async () => `Retried: ${runSummary(await api("POST", `/errors/${encodeURIComponent(id)}/retry`))}`}
                  onDone=${async (text) => {
                    // A retry is a new run: the record's error, if it still fails, is a new one with a new id.
                    const standing = await api(
                      "GET",
                      `/errors?mapping=${encodeURIComponent(e.mappingName)}&limit=1000`,
                    );
                    const again = standing.find(
                      (other) => other.sourceId === e.sourceId && other.direction === e.direction,
                    );
                    setDone(
                      again
                        ? { text: `${text}. The record still fails.`, next: again.id }
                        : { text: `${text}. The error is resolved.` },
                    );
                  }}
                />
                <${ActionButton}
                  label="Skip this record"
                  action=${async () => {
                    await api("POST", `/errors/${encodeURIComponent(id)}/skip`);
                    return "Skipped";
                  }}
                  onDone=${() =>
                    setDone({
                      text: "The record is skipped: no run synchronizes it until it is un-skipped (Sync log → Skipped records).",
                    })}
                />
              </div>
            </article>`}
          <//>`
    }
  </section>`;
}

export function Couplings({ mapping }) {
  const [notice, setNotice] = useNotice();
  const counts = useApi("/couplings");
  const rows = useApi(mapping ? `/couplings/${encodeURIComponent(mapping)}?limit=100` : null);
  return html`<section aria-labelledby="couplings-title">
    <h1 id="couplings-title">Couplings${mapping ? `: ${mapping}` : ""}</h1>
    <${Loaded} resource=${counts}>
      ${(list) => html`<nav aria-label="Mappings" class="chips">
        ${list.map(
          (c) => html`<a
            href=${`#/couplings/${encodeURIComponent(c.mapping)}`}
            aria-current=${c.mapping === mapping ? "page" : undefined}
            >${c.mapping} <span class="muted">${c.coupled}${c.skipped ? `, ${c.skipped} skipped` : ""}</span></a
          >`,
        )}
      </nav>`}
    <//>
    ${notice}
    ${
      mapping
        ? html`<${Loaded} resource=${rows}>
            ${(list) => html`<${Table}
              caption=${`The first ${list.length} couplings of ${mapping}`}
              rows=${list}
              empty="No couplings."
              columns=${[
                [
                  "Business Central",
                  (c) =>
                    c.bcUrl
                      ? html`<a href=${c.bcUrl} target="_blank" rel="noopener">Open in Business Central</a>`
                      : c.bcId,
                ],
                [
                  "Sales",
                  (c) =>
                    c.salesUrl
                      ? html`<a href=${c.salesUrl} target="_blank" rel="noopener">Open in Sales</a>`
                      : c.dataverseId,
                ],
                ["Business Central id", (c) => html`<code>${c.bcId}</code>`],
                ["Skipped", (c) => (c.skipped ? html`<${Badge} status="skipped" />` : "No")],
                ["Last error", (c) => c.lastError ?? ""],
                [
                  "",
                  (c) => html`<${ActionButton}
                    label="Uncouple"
                    action=${async () => {
                      await api("DELETE", `/couplings/${encodeURIComponent(mapping)}/${encodeURIComponent(c.bcId)}`);
                      return "Uncoupled";
                    }}
                    onDone=${() => {
                      setNotice(`Uncoupled ${c.bcId} from ${c.dataverseId}; both records stay.`);
                      return Promise.all([rows.reload(), counts.reload()]);
                    }}
                  />`,
                ],
              ]}
            />`}
          <//>`
        : html`<p class="muted">Choose a mapping to list its couplings.</p>`
    }
  </section>`;
}

/** The last synchronized value: kept per side; one value when both sides had the same. */
function baseValue(base) {
  if (base && typeof base === "object" && "bc" in base && "dv" in base) {
    if (JSON.stringify(base.bc) === JSON.stringify(base.dv)) return show(base.bc);
    return html`Business Central ${show(base.bc)}, Sales ${show(base.dv)}`;
  }
  return show(base);
}

/** Open conflicts grouped by record, one choice per field. */
export function Conflicts() {
  const conflicts = useApi("/conflicts");
  const [choices, setChoices] = useState({});
  // Said on the page, not by the record's button: a resolved record leaves the list, and its button with it.
  const [resolvedNote, setResolvedNote] = useState(undefined);
  const groups = new Map();
  for (const c of conflicts.data ?? []) {
    const key = `${c.mappingName}|${c.bcId}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const choose = (id, keep) => setChoices((current) => ({ ...current, [id]: keep }));
  const resolve = (fields) => async () => {
    const decisions = fields.filter((c) => choices[c.id]).map((c) => ({ id: c.id, keep: choices[c.id] }));
    if (decisions.length === 0) throw new Error("Choose a value for at least one field first.");
    const resolved = await api("POST", "/conflicts/resolve", { decisions });
    return `${resolved.length} field${resolved.length === 1 ? "" : "s"} resolved`;
  };
  return html`<section aria-labelledby="conflicts-title">
    <h1 id="conflicts-title">Conflicts</h1>
    <p class="muted">
      A field changed on both sides since the last synchronization. Choose the value to keep for each field; it is
      written to the other side.
    </p>
    ${resolvedNote ? html`<p class="notice" role="status">${resolvedNote}</p>` : null}
    <${Loaded} resource=${conflicts}>
      ${(list) =>
        list.length === 0
          ? html`<p class="muted">No open conflicts.</p>`
          : [...groups.entries()].map(([key, fields]) => {
              const [mapping, bcId] = key.split("|");
              return html`<form class="card conflict" key=${key} onSubmit=${(e) => e.preventDefault()} aria-label=${`Conflict of ${mapping} record ${bcId}`}>
                <h2>${mapping} <code>${bcId}</code></h2>
                ${fields.map(
                  (c) => html`<fieldset key=${c.id}>
                    <legend>${c.field}</legend>
                    <p class="base">Last synchronized value: ${baseValue(c.baseValue)}</p>
                    <label>
                      <input type="radio" name=${`keep-${c.id}`} value="bc" checked=${choices[c.id] === "bc"} onChange=${() => choose(c.id, "bc")} />
                      Keep Business Central's value: <strong>${show(c.bcValue)}</strong>
                    </label>
                    <label>
                      <input type="radio" name=${`keep-${c.id}`} value="dataverse" checked=${choices[c.id] === "dataverse"} onChange=${() => choose(c.id, "dataverse")} />
                      Keep Sales' value: <strong>${show(c.dataverseValue)}</strong>
                    </label>
                  </fieldset>`,
                )}
                <${ActionButton} label="Resolve the chosen fields" kind="primary" action=${resolve(fields)} onDone=${(
                  text,
                ) => {
                  setResolvedNote(`${mapping} ${bcId}: ${text}; the kept values were written to the other side.`);
                  return conflicts.reload();
                }} />
              </form>`;
            })}
    <//>
  </section>`;
}

export function Deletions() {
  const [notice, setNotice] = useNotice();
  const held = useApi("/deletions");
  return html`<section aria-labelledby="deletions-title">
    <h1 id="deletions-title">Held deletions</h1>
    <p class="muted">
      A run that would delete more records than a mapping allows holds them here: an outage or a paging error looks
      exactly like a mass deletion. Approve to delete the counterparts now, reject to delete nothing.
    </p>
    ${notice}
    <${Loaded} resource=${held}>
      ${(list) => html`<${Table}
        rows=${list}
        empty="No deletions are held."
        columns=${[
          ["Mapping", (d) => d.mappingName],
          ["Direction", (d) => DIRECTIONS[d.direction] ?? d.direction],
          ["Records", (d) => `${d.recordCount} of ${d.tableCount}`],
          ["Held since", (d) => when(d.createdAt)],
          [
            "Decision",
            (d) => html`<span class="buttons">
              <${ActionButton}
                label="Approve"
                kind="danger"
                action=${async () => {
                  const r = await api("POST", `/deletions/${d.id}/approve`);
                  return `Approved: ${r.deleted ?? 0} deleted`;
                }}
                onDone=${(text) => {
                  setNotice(`${d.mappingName}, ${d.recordCount} records: ${text}.`);
                  return held.reload();
                }}
              />
              <${ActionButton}
                label="Reject"
                action=${async () => {
                  await api("POST", `/deletions/${d.id}/reject`);
                  return "Rejected: nothing deleted";
                }}
                onDone=${(text) => {
                  setNotice(`${d.mappingName}, ${d.recordCount} records: ${text}.`);
                  return held.reload();
                }}
              />
            </span>`,
          ],
        ]}
      />`}
    <//>
  </section>`;
}

/** "Sales Orders – Dynamics 365 Sales" (S10): submitted Sales orders, each with its BC order or "Create in BC". */
export function SalesOrders() {
  const [notice, setNotice] = useNotice();
  const orders = useApi("/sales-orders");
  return html`<section aria-labelledby="orders-title">
    <h1 id="orders-title">Sales Orders – Dynamics 365 Sales</h1>
    <p class="muted">
      Orders submitted in Sales. One not yet in Business Central can be created there now (released, its lines and
      notes included); the job queue does it on its own when automatic creation is on.
    </p>
    ${notice}
    <${Loaded} resource=${orders}>
      ${(list) => html`<${Table}
        rows=${list}
        empty="No Sales order is submitted."
        columns=${[
          ["Order", (o) => html`<a href=${o.salesUrl} target="_blank" rel="noopener">${o.orderNumber || o.name}</a>`],
          ["Name", (o) => o.name],
          ["Customer", (o) => o.customer],
          ["Total", (o) => Number(o.totalAmount ?? 0).toFixed(2)],
          ["Submitted", (o) => when(o.submitted)],
          [
            "Business Central order",
            (o) =>
              o.bcOrderNumber
                ? o.bcOrderNumber
                : html`<${ActionButton}
                    label="Create in Business Central"
                    kind="primary"
                    action=${async () => {
                      const r = await api("POST", `/sales-orders/${o.salesOrderId}/create-in-bc`);
                      return `created Business Central order ${r.bcOrderNumber}`;
                    }}
                    onDone=${(text) => {
                      setNotice(`${o.orderNumber || o.name}: ${text}.`);
                      return orders.reload();
                    }}
                  />`,
          ],
        ]}
      />`}
    <//>
  </section>`;
}

export function Jobs() {
  const jobs = useApi("/jobs");
  return html`<section aria-labelledby="jobs-page-title">
    <h1 id="jobs-page-title">Job queue</h1>
    <${Loaded} resource=${jobs}>
      ${(list) => html`<${Table}
        rows=${list}
        empty="No job queue entries."
        columns=${[
          ["Entry", (j) => j.description],
          ["Status", (j) => html`<${Badge} status=${j.status} />`],
          ["Every", (j) => (j.recurring ? `${j.intervalMinutes} min` : "once")],
          ["Last run", (j) => when(j.lastRunAt)],
          ["Next run", (j) => when(j.nextRunAt)],
          ["Last error", (j) => j.lastError ?? ""],
          ["", (j) => html`<${JobButtons} job=${j} onDone=${jobs.reload} />`],
        ]}
      />`}
    <//>
  </section>`;
}

export function Reconcile() {
  const mappings = useApi("/mappings");
  const [chosen, setChosen] = useState("");
  const [path, setPath] = useState(null);
  const report = useApi(path);
  return html`<section aria-labelledby="reconcile-title">
    <h1 id="reconcile-title">Reconciliation report</h1>
    <p class="muted">
      Both sides scanned and compared with the couplings: uncoupled records, couplings whose record is gone, coupled
      pairs whose values differ. Nothing is written.
    </p>
    <form
      class="row"
      onSubmit=${(e) => {
        e.preventDefault();
        const next = `/reconcile?limit=20${chosen ? `&mapping=${encodeURIComponent(chosen)}` : ""}`;
        // The same question again is a new scan: the records may have changed since.
        if (next === path) report.reload();
        else setPath(next);
      }}
    >
      <label for="reconcile-mapping">Mapping</label>
      <select id="reconcile-mapping" value=${chosen} onChange=${(e) => setChosen(e.currentTarget.value)}>
        <option value="">Every table mapping</option>
        ${(mappings.data ?? []).map((m) => html`<option value=${m.name}>${m.name}</option>`)}
      </select>
      <button type="submit" class="primary" disabled=${report.loading && path}>${report.loading && path ? "Comparing…" : "Compare"}</button>
    </form>
    ${
      path
        ? html`<${Loaded} resource=${report}>
            ${(reports) => html`<${Table}
                caption="Counts per mapping"
                rows=${reports}
                columns=${[
                  ["Mapping", (r) => r.mapping],
                  ["Couplings", (r) => r.counts.couplings],
                  ["Uncoupled in BC", (r) => r.counts.uncoupledBc],
                  ["Uncoupled in Sales", (r) => r.counts.uncoupledDataverse],
                  ["Gone in BC", (r) => r.counts.couplingsWithoutBc],
                  ["Gone in Sales", (r) => r.counts.couplingsWithoutDataverse],
                  ["Differing", (r) => r.counts.differing],
                  ["Errors", (r) => r.errors.join("; ")],
                ]}
              />
              ${reports
                .filter((r) => r.differing.length)
                .map(
                  (r) => html`<h2>${r.mapping}: values that differ</h2>
                    <${Table}
                      rows=${r.differing.flatMap((d) => d.fields.map((f) => ({ ...f, bcId: d.bcId, id: `${d.bcId}${f.field}` })))}
                      columns=${[
                        ["Record (BC id)", (f) => html`<code>${f.bcId}</code>`],
                        ["Field", (f) => f.field],
                        ["Business Central", (f) => show(f.bc)],
                        ["Sales", (f) => show(f.dataverse)],
                        ["Expected", (f) => show(f.expected)],
                      ]}
                    />`,
                )}`}
          <//>`
        : null
    }
  </section>`;
}

export { ErrorMessage };
