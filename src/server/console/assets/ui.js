// Shared pieces of the console's pages: the html tag, loading data, buttons that run an action and say what
// happened, tables, and the plain-words formatting of values.

import htm from "htm";
import { h } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api.js";

export const html = htm.bind(h);

/**
 * Loads what a page shows; `reload` after an action changed it. Only the latest request's answer is shown, and only
 * for the path it was asked for: a page that changes its path (the record editor going from Business Central
 * customers to Sales accounts) while an earlier load still waits behind a busy service's request slots must never
 * show, or act on, the earlier table's rows. A reload keeps the rows on screen until the new ones arrive.
 */
export function useApi(path) {
  const [state, setState] = useState({ path, loading: true, data: undefined, error: undefined });
  const latest = useRef(0);
  const load = useCallback(async () => {
    const request = ++latest.current;
    setState((s) => (s.path === path ? { ...s, loading: true } : { path, loading: true, data: undefined }));
    try {
      const data = path ? await api("GET", path) : undefined;
      if (request === latest.current) setState({ path, loading: false, data, error: undefined });
    } catch (error) {
      if (request === latest.current) setState({ path, loading: false, data: undefined, error });
    }
  }, [path]);
  useEffect(() => {
    load();
  }, [load]);
  const current = state.path === path ? state : { loading: true, data: undefined, error: undefined };
  return { loading: current.loading, data: current.data, error: current.error, reload: load };
}

/** An error from the API: its message in plain words, then what to do about it. */
export function ErrorMessage({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert">
    <p><strong>${error.message}</strong></p>
    ${error.fix ? html`<p class="fix">What to do: ${error.fix}</p>` : null}
    ${error.code ? html`<p class="code">${error.code}</p>` : null}
  </div>`;
}

/** What a page shows while loading, on error, or when its data is there. */
export function Loaded({ resource, children }) {
  if (resource.error) return html`<${ErrorMessage} error=${resource.error} />`;
  if (resource.data === undefined) return html`<p class="muted" aria-busy="true">Loading…</p>`;
  return children(resource.data);
}

/**
 * A button that runs an action: disabled while it runs (actions such as a retry synchronize a whole mapping),
 * then says in its status region what happened.
 */
export function ActionButton({ label, busyLabel, action, onDone, kind = "secondary", describedBy }) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(undefined);
  const run = async () => {
    setBusy(true);
    setOutcome(undefined);
    try {
      const result = await action();
      setOutcome({ ok: true, text: typeof result === "string" ? result : "Done." });
      await onDone?.(result);
    } catch (error) {
      setOutcome({ ok: false, error });
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="action">
    <button type="button" class=${kind} onClick=${run} disabled=${busy} aria-describedby=${describedBy}>
      ${busy ? (busyLabel ?? `${label}…`) : label}
    </button>
    <span role="status" class="action-status">
      ${outcome?.ok ? outcome.text : null}
    </span>
    ${outcome && !outcome.ok ? html`<${ErrorMessage} error=${outcome.error} />` : null}
  </span>`;
}

/**
 * What an action did, said on the page: an action on a row (un-skip, uncouple, approve) takes the row, and its
 * button's own status, out of the list it reloads.
 */
export function useNotice() {
  const [text, setText] = useState(undefined);
  const notice = text ? html`<p class="notice" role="status">${text}</p>` : null;
  return [notice, setText];
}

/** Reads a page's data again (runs, errors and records change while it is open). */
export function RefreshButton({ reload }) {
  return html`<${ActionButton}
    label="Refresh"
    busyLabel="Refreshing…"
    action=${async () => {
      await reload();
      return `Up to date at ${new Date().toLocaleTimeString()}`;
    }}
  />`;
}

/** A data table; `columns` are [header, row => cell]. */
export function Table({ caption, columns, rows, empty = "Nothing here." }) {
  if (!rows || rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="table-wrap">
    <table>
      ${caption ? html`<caption>${caption}</caption>` : null}
      <thead>
        <tr>
          ${columns.map(([header]) => html`<th scope="col">${header}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row, i) => html`<tr key=${row.id ?? i}>
            ${columns.map(([header, cell]) => html`<td data-label=${header}>${cell(row)}</td>`)}
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** A value as people read it: blanks say so, objects are shown as JSON. */
export function show(value) {
  if (value === null || value === undefined || value === "") return html`<span class="muted">(blank)</span>`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export const DIRECTIONS = {
  toDataverse: "Business Central → Sales",
  fromDataverse: "Sales → Business Central",
  bidirectional: "Both ways",
};

/** A status as people read it: `on_hold_inactivity` → "on hold inactivity". */
export const humanStatus = (status) => (status ?? "—").replaceAll("_", " ");

export function Badge({ status }) {
  const tone = /fail|error/i.test(status ?? "")
    ? "bad"
    : /hold|held|running|in_process|not run/i.test(status ?? "")
      ? "warn"
      : "ok";
  return html`<span class=${`badge ${tone}`}>${humanStatus(status)}</span>`;
}

/** What a synchronization run reports, in one line: +inserted ~modified !failed and its message. */
export function runSummary(results) {
  return (results ?? [])
    .map(
      (r) =>
        `${r.mapping}: ${r.status}, +${r.inserted} ~${r.modified} !${r.failed}${r.message ? ` (${r.message})` : ""}`,
    )
    .join("; ");
}
