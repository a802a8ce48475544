// Table mappings: each mapping with its field mappings, and the changes Business Central's Integration Table
// Mapping page allows — the mapping's direction, its two filters, each field's direction and whether it is enabled —
// sent as one PATCH /api/v1/mappings/:name; the whole set exported, imported or reset to the defaults (the same
// routes as `bcsync mappings export|import|reset`), so none of this needs the command line any more.

import { useRef, useState } from "preact/hooks";
import { api, apiText } from "./api.js";
import { JobButtons, jobOf } from "./pages.js";
import { Badge, DIRECTIONS, ErrorMessage, html, Loaded, Table, useApi } from "./ui.js";

/** How the API names a field mapping in an edit (engine's fieldKey: its name, or `bcField|dataverseField`). */
const fieldKey = (f) => f.name ?? `${f.bcField ?? ""}|${f.dataverseField ?? ""}`;

/** A field mapping as people read it, in labels and messages. */
const fieldName = (f) => f.name ?? [f.bcField, f.dataverseField].filter(Boolean).join(" / ");

/** Element ids from a mapping name (names may hold spaces and dots, which ids and `for` should not). */
const idOf = (...parts) => parts.join("-").replace(/[^A-Za-z0-9_-]+/g, "-");

/**
 * A field's direction as the form shows it: the store keeps every field's direction explicit, so one equal to the
 * mapping's is shown as "the mapping's" — which then follows a change of the mapping's direction.
 */
const formDirection = (mapping, f) => (f.direction && f.direction !== mapping.direction ? f.direction : "");

/** The PATCH body: only what the form changed, so an untouched filter keeps exactly what is stored. */
function changesOf(mapping, form) {
  const body = {};
  const directionChanged = form.direction !== mapping.direction;
  if (directionChanged) body.direction = form.direction;
  if (form.bcFilter !== (mapping.bc.filter ?? "")) body.bcFilter = form.bcFilter;
  if (form.dataverseFilter !== (mapping.dataverse.filter ?? "")) body.dataverseFilter = form.dataverseFilter;
  const fields = [];
  for (const f of mapping.fields) {
    const now = form.fields[fieldKey(f)];
    const change = {};
    if (now.enabled !== (f.enabled !== false)) change.enabled = now.enabled;
    // "The mapping's" is sent as null (no own direction) when chosen, and for every such field when the mapping's
    // direction changes: stored explicitly, they would otherwise keep the old direction.
    if (now.direction !== formDirection(mapping, f) || (directionChanged && now.direction === ""))
      change.direction = now.direction || null;
    if (Object.keys(change).length) fields.push({ field: fieldKey(f), ...change });
  }
  if (fields.length) body.fields = fields;
  return body;
}

/**
 * The API's edit error in the console's words: `fields.3` becomes the field's name, direction codes the words the
 * page shows, and the fix says what to do on this page instead of which request or command to send.
 */
function plainEditError(error, mapping) {
  if (error?.code !== "BCSYNC_E_SERVER_MAPPING_EDIT_INVALID") return error;
  const message = error.message
    .replace(/\bfields\.(\d+)(?:\.\w+)*:/g, (all, i) => {
      const f = mapping.fields[Number(i)];
      return f ? `field ${fieldName(f)}:` : all;
    })
    .replace(/\b(toDataverse|fromDataverse|bidirectional)\b/g, (d) => `“${DIRECTIONS[d]}”`);
  const fix = /not allowed in a/.test(error.message)
    ? "In a one-way mapping every field goes the mapping's way: choose “The mapping's” for that field, or make the mapping “Both ways” first. Then save again."
    : "Correct the value the message names, then save again.";
  return { message, fix, code: error.code };
}

function EditForm({ mapping, onSaved, onCancel }) {
  const [form, setForm] = useState(() => ({
    direction: mapping.direction,
    bcFilter: mapping.bc.filter ?? "",
    dataverseFilter: mapping.dataverse.filter ?? "",
    fields: Object.fromEntries(
      mapping.fields.map((f) => [fieldKey(f), { enabled: f.enabled !== false, direction: formDirection(mapping, f) }]),
    ),
  }));
  const [state, setState] = useState({ busy: false });
  const set = (key, value) => setForm((old) => ({ ...old, [key]: value }));
  const setField = (key, change) =>
    setForm((old) => ({ ...old, fields: { ...old.fields, [key]: { ...old.fields[key], ...change } } }));
  const id = (...parts) => idOf("edit", mapping.name, ...parts);
  const companyScoped = /_bcbi_companyid_value/.test(mapping.dataverse.filter ?? "");

  const submit = async (event) => {
    event.preventDefault();
    const body = changesOf(mapping, form);
    if (Object.keys(body).length === 0) {
      setState({ busy: false, text: "Nothing to save: no value was changed." });
      return;
    }
    setState({ busy: true });
    try {
      await api("PATCH", `/mappings/${encodeURIComponent(mapping.name)}`, body);
      setState({ busy: false });
      await onSaved(body);
    } catch (error) {
      setState({ busy: false, error: plainEditError(error, mapping) });
    }
  };

  return html`<form class="mapping-edit" id=${id("form")} aria-labelledby=${id("title")} onSubmit=${submit}>
    <h3 id=${id("title")}>Edit ${mapping.name}</h3>
    <p class="field">
      <label for=${id("direction")}>Direction</label>
      <select id=${id("direction")} value=${form.direction} onChange=${(e) => set("direction", e.currentTarget.value)}>
        ${Object.entries(DIRECTIONS).map(([value, text]) => html`<option value=${value}>${text}</option>`)}
      </select>
    </p>
    <p class="field">
      <label for=${id("bc-filter")}>Business Central filter</label>
      <input
        id=${id("bc-filter")}
        value=${form.bcFilter}
        aria-describedby=${id("bc-filter-hint")}
        onInput=${(e) => set("bcFilter", e.currentTarget.value)}
      />
      <span class="hint" id=${id("bc-filter-hint")}>
        Which ${mapping.bc.entitySet} records take part, as an OData filter; blank: all of them.
      </span>
    </p>
    <p class="field">
      <label for=${id("dv-filter")}>Dataverse filter</label>
      <input
        id=${id("dv-filter")}
        value=${form.dataverseFilter}
        aria-describedby=${id("dv-filter-hint")}
        onInput=${(e) => set("dataverseFilter", e.currentTarget.value)}
      />
      <span class="hint" id=${id("dv-filter-hint")}>
        Which Sales ${mapping.dataverse.entitySet} take part, as an OData filter; blank: all of them.
        ${companyScoped ? " The condition on _bcbi_companyid_value stays, typed or not: it keeps other companies' records out." : ""}
      </span>
    </p>
    <p class="hint" id=${id("fields-hint")}>
      A field switched off is no longer read or written. In a one-way mapping every field goes the mapping's way; only
      a “Both ways” mapping can have fields going one way.
    </p>
    <${Table}
      caption=${`Field mappings of ${mapping.name}`}
      rows=${mapping.fields.map((f, i) => ({ ...f, id: fieldKey(f), index: i }))}
      columns=${[
        ["Business Central field", (f) => f.bcField ?? html`<span class="muted">(constant)</span>`],
        ["Sales field", (f) => f.dataverseField ?? "—"],
        [
          "Enabled",
          (f) => html`<span class="inline-field">
            <input
              type="checkbox"
              id=${id("field", f.index, "enabled")}
              checked=${form.fields[f.id].enabled}
              onChange=${(e) => setField(f.id, { enabled: e.currentTarget.checked })}
            />
            <label for=${id("field", f.index, "enabled")}>
              <span class="visually-hidden">${fieldName(f)}: </span>enabled
            </label>
          </span>`,
        ],
        [
          "Direction",
          (
            f,
          ) => html`<label class="visually-hidden" for=${id("field", f.index, "direction")}>${fieldName(f)}: direction</label>
            <select
              id=${id("field", f.index, "direction")}
              value=${form.fields[f.id].direction}
              aria-describedby=${id("fields-hint")}
              onChange=${(e) => setField(f.id, { direction: e.currentTarget.value })}
            >
              <option value="">The mapping's (${DIRECTIONS[form.direction]})</option>
              ${Object.entries(DIRECTIONS).map(([value, text]) => html`<option value=${value}>${text}</option>`)}
            </select>`,
        ],
      ]}
    />
    <div class="buttons">
      <button type="submit" class="primary" disabled=${state.busy}>${state.busy ? "Saving…" : `Save ${mapping.name}`}</button>
      <button type="button" class="secondary" onClick=${onCancel}>Cancel</button>
    </div>
    <p role="status" class="action-status">${state.text ?? ""}</p>
    <${ErrorMessage} error=${state.error} />
  </form>`;
}

/** What a saved edit changed, in one sentence. */
function savedText(name, body) {
  const parts = [];
  if (body.direction) parts.push(`direction ${DIRECTIONS[body.direction]}`);
  if (body.bcFilter !== undefined) parts.push("Business Central filter");
  if (body.dataverseFilter !== undefined) parts.push("Dataverse filter");
  if (body.fields) parts.push(`${body.fields.length} field mapping${body.fields.length === 1 ? "" : "s"}`);
  return `Saved ${name}: ${parts.join(", ")}. Its next run uses them.`;
}

function MappingArticle({ mapping: m, job, onJobChanged, onChanged }) {
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState(undefined);
  const editButton = useRef(null);
  const titleId = idOf("mapping", m.name);
  const close = () => {
    setEditing(false);
    // Back where the keyboard was before the form opened; the form and its buttons are gone.
    queueMicrotask(() => editButton.current?.focus());
  };
  return html`<article class="mapping" aria-labelledby=${titleId}>
    <div class="title-row">
      <h2 id=${titleId}>${m.name}</h2>
      <button
        type="button"
        class="secondary"
        ref=${editButton}
        aria-expanded=${editing ? "true" : "false"}
        aria-controls=${editing ? idOf("edit", m.name, "form") : undefined}
        onClick=${() => {
          setNotice(undefined);
          setEditing(!editing);
        }}
      >
        Edit<span class="visually-hidden"> ${m.name}</span>
      </button>
    </div>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <dl class="inline">
      <dt>Direction</dt><dd>${DIRECTIONS[m.direction] ?? m.direction}</dd>
      <dt>Business Central</dt><dd>${m.bc.entitySet}${m.bc.filter ? html` <code>${m.bc.filter}</code>` : null}</dd>
      <dt>Sales</dt><dd>${m.dataverse.entitySet}${m.dataverse.filter ? html` <code>${m.dataverse.filter}</code>` : null}</dd>
      ${m.dependsOn?.length ? html`<dt>Depends on</dt><dd>${m.dependsOn.join(", ")}</dd>` : null}
      <dt>Job</dt><dd><${Badge} status=${job?.status} /> <${JobButtons} job=${job} onDone=${onJobChanged} /></dd>
    </dl>
    ${
      editing
        ? html`<${EditForm}
            key=${JSON.stringify(m)}
            mapping=${m}
            onCancel=${close}
            onSaved=${async (body) => {
              setNotice(savedText(m.name, body));
              close();
              await onChanged();
            }}
          />`
        : null
    }
    <details>
      <summary>${m.fields.length} field mappings</summary>
      <${Table}
        rows=${m.fields.map((f) => ({ ...f, id: fieldKey(f) }))}
        columns=${[
          ["Business Central field", (f) => f.bcField ?? html`<span class="muted">(constant)</span>`],
          ["Sales field", (f) => f.dataverseField ?? "—"],
          ["Direction", (f) => DIRECTIONS[f.direction ?? m.direction]],
          ["Enabled", (f) => (f.enabled === false ? "No" : "Yes")],
          [
            "Rule",
            (f) =>
              [
                f.lookup ? `lookup via ${f.lookup.mapping}` : "",
                f.transform ? `transform ${f.transform.name}` : "",
                f.constant !== undefined ? `constant ${JSON.stringify(f.constant)}` : "",
                f.match ? "match field" : "",
              ]
                .filter(Boolean)
                .join(", "),
          ],
        ]}
      />
    </details>
  </article>`;
}

/** Starts a download of text the page already has (the export is fetched first, so an error shows on the page). */
function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the data to the download; the address is not needed after it.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function ExportPart() {
  const [format, setFormat] = useState("yaml");
  const [shown, setShown] = useState(undefined);
  const [state, setState] = useState({ busy: false });
  const run = (then) => async () => {
    setState({ busy: true });
    try {
      const text = await apiText(`/mappings/export?format=${format}`);
      then(text);
      setState({ busy: false });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return html`<section aria-labelledby="mappings-export">
    <h3 id="mappings-export">Export</h3>
    <p class="muted">Every table mapping in the file format <code>npx bcsync mappings import</code> and Import below read.</p>
    <div class="row">
      <label for="export-format">Format</label>
      <select id="export-format" value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
        <option value="yaml">YAML</option>
        <option value="json">JSON</option>
      </select>
      <button
        type="button"
        class="secondary"
        disabled=${state.busy}
        onClick=${run((text) =>
          download(
            text,
            `bcsync-mappings-${new Date().toISOString().slice(0, 10)}.${format}`,
            format === "json" ? "application/json" : "application/yaml",
          ),
        )}
      >
        Download
      </button>
      <button type="button" class="secondary" disabled=${state.busy} onClick=${run(setShown)}>Show here</button>
    </div>
    <${ErrorMessage} error=${state.error} />
    ${
      shown === undefined
        ? null
        : html`<p class="field">
            <label for="export-text">Exported table mappings</label>
            <textarea id="export-text" readonly rows="12" value=${shown}></textarea>
          </p>`
    }
  </section>`;
}

/** The catalogue's fix names the CLI (`bcsync mappings import FILE`); on this page the text is corrected here. */
function plainImportError(error) {
  if (error?.code !== "BCSYNC_E_INTEGRATION_MAPPING_FILE_INVALID") return error;
  return {
    message: error.message.replace("The mapping file in the request", "The mapping text"),
    fix: "Correct the text above and import it again (Export → Show here gives a valid file to start from). Nothing was imported.",
    code: error.code,
  };
}

function ImportPart({ onChanged }) {
  const [text, setText] = useState("");
  const [format, setFormat] = useState("yaml");
  const [state, setState] = useState({ busy: false });
  const readFile = async (event) => {
    const file = event.currentTarget.files?.[0];
    if (!file) return;
    setText(await file.text());
    if (/\.json$/i.test(file.name)) setFormat("json");
    else if (/\.ya?ml$/i.test(file.name)) setFormat("yaml");
  };
  const submit = async (event) => {
    event.preventDefault();
    if (!text.trim()) {
      setState({ busy: false, error: { message: "There is nothing to import: paste a mapping file or choose one." } });
      return;
    }
    setState({ busy: true });
    try {
      const r = await api("POST", "/mappings/import", { text, format });
      setState({
        busy: false,
        text: `Imported ${r.imported.length} table mapping${r.imported.length === 1 ? "" : "s"}: ${r.imported.join(", ")}. Their next runs use them.`,
      });
      await onChanged();
    } catch (error) {
      setState({ busy: false, error: plainImportError(error) });
    }
  };
  return html`<form aria-labelledby="mappings-import" onSubmit=${submit}>
    <h3 id="mappings-import">Import</h3>
    <p class="muted">
      Adds the mappings of a file, or replaces those of the same name; the others stay. The whole file is checked
      first: a file with an error imports nothing.
    </p>
    <p class="field">
      <label for="import-file">Read a mapping file</label>
      <input id="import-file" type="file" accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml" onChange=${readFile} />
    </p>
    <p class="field">
      <label for="import-text">Mapping file text</label>
      <textarea id="import-text" rows="8" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
    </p>
    <div class="row">
      <label for="import-format">Format</label>
      <select id="import-format" value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
        <option value="yaml">YAML</option>
        <option value="json">JSON</option>
      </select>
      <button type="submit" class="primary" disabled=${state.busy}>${state.busy ? "Importing…" : "Import"}</button>
    </div>
    <p role="status" class="action-status">${state.text ?? ""}</p>
    <${ErrorMessage} error=${state.error} />
  </form>`;
}

/** The custom mappings a 409 names (its message is the only place that lists them); undefined if not found. */
function customOf(error) {
  const list = error?.message?.match(/\(([^)]*)\); not confirmed/)?.[1];
  return list ? list.split(", ").filter(Boolean) : undefined;
}

/**
 * Reset asks twice when it would lose something: first "are you sure" (it also recreates every job queue entry),
 * then, when the service answers that custom mappings would be discarded, which ones, with a button to go on.
 */
function ResetPart({ onChanged }) {
  // idle → asking → (custom: the service named mappings it would discard) → done; error beside any of them.
  const [state, setState] = useState({ step: "idle" });
  const reset = (confirm) => async () => {
    setState((s) => ({ ...s, busy: true, error: undefined }));
    try {
      const r = await api("POST", "/mappings/reset", confirm ? { confirm: true } : {});
      setState({ step: "done", result: r });
      await onChanged();
    } catch (error) {
      if (error.code === "BCSYNC_E_INTEGRATION_RESET_NOT_CONFIRMED")
        setState({ step: "custom", custom: customOf(error), message: error.message });
      else setState((s) => ({ ...s, busy: false, error }));
    }
  };
  const cancel = () => setState({ step: "idle" });
  const r = state.result;
  return html`<section aria-labelledby="mappings-reset">
    <h3 id="mappings-reset">Reset to defaults</h3>
    <p class="muted">
      Replaces every table mapping and job queue entry with the defaults for the current setup. The current mappings
      are exported to a file in the service's data folder first.
    </p>
    ${
      state.step === "idle" || state.step === "done"
        ? html`<button type="button" class="secondary" onClick=${() => setState({ step: "asking" })}>Reset to defaults…</button>`
        : null
    }
    ${
      state.step === "asking"
        ? html`<div class="confirm" role="group" aria-labelledby="reset-question">
            <p id="reset-question"><strong>Reset every table mapping and job queue entry to the defaults?</strong></p>
            <div class="buttons">
              <button type="button" class="danger" disabled=${state.busy} onClick=${reset(false)}>
                ${state.busy ? "Resetting…" : "Reset"}
              </button>
              <button type="button" class="secondary" onClick=${cancel}>Cancel</button>
            </div>
          </div>`
        : null
    }
    ${
      state.step === "custom"
        ? html`<div class="confirm" role="group" aria-labelledby="reset-custom">
            <p id="reset-custom">
              <strong>These customized table mappings would be discarded:</strong>
            </p>
            ${
              state.custom
                ? html`<ul class="custom-mappings">${state.custom.map((name) => html`<li key=${name}>${name}</li>`)}</ul>`
                : html`<p>${state.message}</p>`
            }
            <p>They are exported to a file first, so they can be imported again.</p>
            <div class="buttons">
              <button type="button" class="danger" disabled=${state.busy} onClick=${reset(true)}>
                ${state.busy ? "Resetting…" : "Discard them and reset"}
              </button>
              <button type="button" class="secondary" onClick=${cancel}>Cancel</button>
            </div>
          </div>`
        : null
    }
    ${
      state.step === "done"
        ? html`<div class="notice" role="status">
            <p>
              Reset: ${r.applied.length} default table mappings and ${r.jobQueueEntries} job queue entries applied${
                r.discarded.length ? `; discarded ${r.discarded.join(", ")}` : ""
              }.
            </p>
            ${r.exportedTo ? html`<p>The previous mappings were exported to <code>${r.exportedTo}</code>.</p>` : null}
          </div>`
        : null
    }
    <${ErrorMessage} error=${state.error} />
  </section>`;
}

export function Mappings() {
  const mappings = useApi("/mappings");
  const jobs = useApi("/jobs");
  // An import or a reset changes mappings and (reset) recreates the job queue entries.
  const reloadAll = () => Promise.all([mappings.reload(), jobs.reload()]);
  return html`<section aria-labelledby="mappings-title">
    <h1 id="mappings-title">Table mappings</h1>
    <p class="muted">
      Edit a mapping to change its direction, its filters, and which field mappings are enabled and which way each
      goes; the next run uses the change. A mapping is switched off by putting its job queue entry on hold, and on
      again by resuming it.
    </p>
    <section class="card mapping-set" aria-labelledby="mapping-set-title">
      <h2 id="mapping-set-title">Export, import or reset</h2>
      <${ExportPart} />
      <${ImportPart} onChanged=${reloadAll} />
      <${ResetPart} onChanged=${reloadAll} />
    </section>
    <${Loaded} resource=${mappings}>
      ${(list) =>
        list.map(
          (m) => html`<${MappingArticle}
            key=${m.name}
            mapping=${m}
            job=${jobOf(jobs.data, m.name)}
            onJobChanged=${jobs.reload}
            onChanged=${mappings.reload}
          />`,
        )}
    <//>
  </section>`;
}
