// Demo mode: the emulator record editor. Lists customers and items in Business Central and accounts and products in
// Sales, and changes one as a person would (the API makes Sales edits as the demo Sales user, never as the
// integration), then wakes the mappings that read the table, so the change arrives on the other side in moments.

import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";
import { ActionButton, html, Loaded, show, useApi } from "./ui.js";

function RecordForm({ table, record, onSaved, onClose }) {
  const [values, setValues] = useState(() =>
    Object.fromEntries(table.fields.map((f) => [f.name, record.values[f.name] ?? ""])),
  );
  const formId = `edit-${table.entitySet}-${record.id}`;
  // Opened by an Edit button: the keyboard goes to the form's first field.
  useEffect(() => document.getElementById(`${formId}-${table.fields[0].name}`)?.focus(), [formId]);
  const save = async () => {
    const changes = Object.fromEntries(
      table.fields
        .filter((f) => String(values[f.name]) !== String(record.values[f.name] ?? ""))
        .map((f) => [f.name, values[f.name]]),
    );
    if (Object.keys(changes).length === 0) throw new Error("Nothing changed.");
    const result = await api("PATCH", `/emulator/${table.side}/${table.entitySet}/${record.id}`, changes);
    return `Saved ${result.changed.join(", ")}; ${result.woken.length ? `${result.woken.join(", ")} synchronizing now` : "no mapping reads this table"}`;
  };
  return html`<form id=${formId} class="card record-form" onSubmit=${(e) => e.preventDefault()} aria-label=${`Edit ${recordName(table, record)}`}>
    <h3>${recordName(table, record)}</h3>
    ${table.fields.map(
      (f) => html`<p class="field">
        <label for=${`${formId}-${f.name}`}>${f.label}</label>
        <input
          id=${`${formId}-${f.name}`}
          name=${f.name}
          type=${f.type === "number" ? "number" : "text"}
          step=${f.type === "number" ? "any" : undefined}
          value=${values[f.name]}
          onInput=${(e) => setValues((v) => ({ ...v, [f.name]: e.currentTarget.value }))}
        />
      </p>`,
    )}
    <div class="buttons">
      <${ActionButton} label="Save" kind="primary" action=${save} onDone=${onSaved} />
      <button type="button" class="secondary" onClick=${onClose}>Close</button>
    </div>
  </form>`;
}

/** How people tell records apart: the number, or (Sales accounts often have none) the first field, the name. */
const recordName = (table, record) => record.number ?? record.values[table.fields[0].name] ?? record.id;

export function RecordEditor({ side, entitySet }) {
  const tables = useApi("/emulator/tables");
  const table = (tables.data ?? []).find((t) => t.side === side && t.entitySet === entitySet);
  const records = useApi(table ? `/emulator/${table.side}/${table.entitySet}?limit=50` : null);
  const [editing, setEditing] = useState(null);
  return html`<section aria-labelledby="editor-title">
    <h1 id="editor-title">Emulator records</h1>
    <p class="muted">
      Demo mode: change a record on one side and watch it arrive on the other (Couplings and Sync log show it). Sales
      changes are made as the demo Sales user, so the integration does not take them for its own writes.
    </p>
    <${Loaded} resource=${tables}>
      ${(list) => html`<nav aria-label="Emulator tables" class="chips">
        ${list.map(
          (t) => html`<a
            href=${`#/editor/${t.side}/${t.entitySet}`}
            aria-current=${t === table ? "page" : undefined}
            >${t.label}</a
          >`,
        )}
      </nav>`}
    <//>
    ${
      table
        ? html`<h2>${table.label}</h2>
            <${Loaded} resource=${records}>
              ${(rows) => html`${rows
                .filter((r) => r.id === editing)
                .map(
                  (r) =>
                    html`<${RecordForm} key=${r.id} table=${table} record=${r} onSaved=${records.reload} onClose=${() => setEditing(null)} />`,
                )}
                <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Number</th>
                      ${table.fields.map((f) => html`<th scope="col">${f.label}</th>`)}
                      <th scope="col"><span class="visually-hidden">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map(
                      (r) => html`<tr key=${r.id}>
                        <td data-label="Number">${r.number ?? "—"}</td>
                        ${table.fields.map((f) => html`<td data-label=${f.label}>${show(r.values[f.name])}</td>`)}
                        <td>
                          <button type="button" class="secondary" onClick=${() => setEditing(r.id)} aria-label=${`Edit ${recordName(table, r)}`}>
                            Edit
                          </button>
                        </td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`}
            <//>`
        : html`<p class="muted">Choose a table.</p>`
    }
  </section>`;
}
