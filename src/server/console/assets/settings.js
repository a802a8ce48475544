// Settings: the service's own (job queue, change triggers, log; saved to the configuration file and used from the
// next start) and each table mapping's policies for conflicts, deletions and skipping (used from its next run).
// The connection and the Sales integration's options are the assisted setup's.

import { useState } from "preact/hooks";
import { api } from "./api.js";
import { ErrorMessage, html, Loaded, Table, useApi } from "./ui.js";

const UPDATE_CONFLICT = {
  none: "Keep it as a conflict to resolve",
  bcWins: "Business Central wins",
  dataverseWins: "Sales wins",
};
const DELETION_CONFLICT = {
  none: "Report it as a sync error",
  removeCoupling: "Remove the coupling",
  restoreRecord: "Restore the deleted record",
};
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** A labelled input inside a settings form. */
function Input({ id, label, hint, ...props }) {
  return html`<p class="field">
    <label for=${id}>${label}</label>
    <input id=${id} aria-describedby=${hint ? `${id}-hint` : undefined} ...${props} />
    ${hint ? html`<span class="hint" id=${`${id}-hint`}>${hint}</span>` : null}
  </p>`;
}

function Check({ label, checked, onChange }) {
  return html`<p class="check">
    <label><input type="checkbox" checked=${checked} onChange=${(e) => onChange(e.currentTarget.checked)} /> ${label}</label>
  </p>`;
}

/** Saves a form's values and says what happened beside its button. */
function useSave(save) {
  const [state, setState] = useState({ busy: false });
  const submit = async (event) => {
    event.preventDefault();
    setState({ busy: true });
    try {
      setState({ busy: false, text: await save() });
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  const status = html`<p role="status" class="action-status">${state.text ?? ""}</p>
    <${ErrorMessage} error=${state.error} />`;
  return [submit, state.busy, status];
}

function ServiceForm({ initial }) {
  const [s, setS] = useState(initial);
  const set = (section, key, value) => setS((old) => ({ ...old, [section]: { ...old[section], [key]: value } }));
  const [submit, busy, status] = useSave(async () => {
    const saved = await api("PUT", "/settings/service", {
      jobs: { pollSeconds: Number(s.jobs.pollSeconds), keepLogDays: Number(s.jobs.keepLogDays) },
      triggers: {
        publicUrl: s.triggers.publicUrl ?? "",
        businessCentralWebhooks: s.triggers.businessCentralWebhooks,
        dataverseWebhooks: s.triggers.dataverseWebhooks,
        pollSeconds: Number(s.triggers.pollSeconds),
        businessCentralFastPoll: s.triggers.businessCentralFastPoll,
        safetyNetSeconds: Number(s.triggers.safetyNetSeconds),
      },
      log: { level: s.log.level },
    });
    setS(saved.service);
    return "Saved to the configuration file; restart bcsync serve to use them.";
  });
  return html`<form class="card" aria-labelledby="service-settings" onSubmit=${submit}>
    <h2 id="service-settings">Service</h2>
    <p class="muted">Read when the service starts: saving writes the configuration file, a restart applies them.</p>
    <fieldset>
      <legend>Job queue</legend>
      <${Input} id="set-poll" label="Look for due job queue entries every (seconds)" type="number" min="1" step="1"
        value=${s.jobs.pollSeconds} onInput=${(e) => set("jobs", "pollSeconds", e.currentTarget.value)} />
      <${Input} id="set-keep" label="Keep the sync log for (days)" type="number" min="1" step="1"
        value=${s.jobs.keepLogDays} onInput=${(e) => set("jobs", "keepLogDays", e.currentTarget.value)} />
    </fieldset>
    <fieldset>
      <legend>Change triggers</legend>
      <${Input} id="set-public-url" label="bcsync's address as the services reach it (optional)" type="url"
        hint="For webhooks; blank: the address the service listens on"
        value=${s.triggers.publicUrl ?? ""} onInput=${(e) => set("triggers", "publicUrl", e.currentTarget.value)} />
      <${Check} label="Subscribe to Business Central webhooks" checked=${s.triggers.businessCentralWebhooks}
        onChange=${(v) => set("triggers", "businessCentralWebhooks", v)} />
      <${Check} label="Register Dataverse webhooks" checked=${s.triggers.dataverseWebhooks}
        onChange=${(v) => set("triggers", "dataverseWebhooks", v)} />
      <${Check} label="Also poll Business Central quickly where webhooks cover it" checked=${s.triggers.businessCentralFastPoll}
        onChange=${(v) => set("triggers", "businessCentralFastPoll", v)} />
      <${Input} id="set-trigger-poll" label="Poll tables without webhooks every (seconds)" type="number" min="1" step="1"
        value=${s.triggers.pollSeconds} onInput=${(e) => set("triggers", "pollSeconds", e.currentTarget.value)} />
      <${Input} id="set-safety" label="Safety-net poll of every table every (seconds)" type="number" min="1" step="1"
        value=${s.triggers.safetyNetSeconds} onInput=${(e) => set("triggers", "safetyNetSeconds", e.currentTarget.value)} />
    </fieldset>
    <fieldset>
      <legend>Log</legend>
      <p class="field">
        <label for="set-log-level">Log level</label>
        <select id="set-log-level" value=${s.log.level} onChange=${(e) => set("log", "level", e.currentTarget.value)}>
          ${LOG_LEVELS.map((l) => html`<option value=${l}>${l}</option>`)}
        </select>
      </p>
    </fieldset>
    <button type="submit" class="primary" disabled=${busy}>${busy ? "Saving…" : "Save service settings"}</button>
    ${status}
  </form>`;
}

/** One mapping's policies, edited in its own row form. */
function PolicyForm({ policy, onSaved }) {
  const [p, setP] = useState(policy);
  const set = (key, value) => setP((old) => ({ ...old, [key]: value }));
  const id = (key) => `policy-${policy.mapping}-${key}`;
  const [submit, busy, status] = useSave(async () => {
    const saved = await api("PUT", `/settings/mappings/${encodeURIComponent(policy.mapping)}`, {
      updateConflict: p.updateConflict,
      deletionConflict: p.deletionConflict,
      propagateDeletes: p.propagateDeletes,
      massDeleteThreshold: Number(p.massDeleteThreshold),
      skipAfterFailures: Number(p.skipAfterFailures),
    });
    setP(saved);
    await onSaved();
    return `Saved; ${policy.mapping}'s next run uses them.`;
  });
  return html`<form class="policy" aria-label=${`Policies of ${policy.mapping}`} onSubmit=${submit}>
    <p class="field">
      <label for=${id("update")}>When a field changed on both sides</label>
      <select id=${id("update")} value=${p.updateConflict} onChange=${(e) => set("updateConflict", e.currentTarget.value)}>
        ${Object.entries(UPDATE_CONFLICT).map(([v, t]) => html`<option value=${v}>${t}</option>`)}
      </select>
    </p>
    <p class="field">
      <label for=${id("delete")}>When a coupled record was deleted on one side</label>
      <select id=${id("delete")} value=${p.deletionConflict} onChange=${(e) => set("deletionConflict", e.currentTarget.value)}>
        ${Object.entries(DELETION_CONFLICT).map(([v, t]) => html`<option value=${v}>${t}</option>`)}
      </select>
    </p>
    <${Check} label="Delete the counterpart too" checked=${p.propagateDeletes} onChange=${(v) => set("propagateDeletes", v)} />
    <${Input} id=${id("threshold")} label="Hold deletions for approval above (records per run)" type="number" min="0" step="1"
      value=${p.massDeleteThreshold} onInput=${(e) => set("massDeleteThreshold", e.currentTarget.value)} />
    <${Input} id=${id("skip")} label="Skip a record after this many failures in a row (0: never)" type="number" min="0" step="1"
      value=${p.skipAfterFailures} onInput=${(e) => set("skipAfterFailures", e.currentTarget.value)} />
    <button type="submit" disabled=${busy}>${busy ? "Saving…" : `Save ${policy.mapping}`}</button>
    ${status}
  </form>`;
}

export function Settings() {
  const settings = useApi("/settings");
  const [chosen, setChosen] = useState("");
  return html`<section aria-labelledby="settings-title">
    <h1 id="settings-title">Settings</h1>
    <p class="muted">
      The connection, the company, the sales order mode and item availability are set in the${" "}
      <a href="#/setup">assisted setup</a>.
    </p>
    <${Loaded} resource=${settings}>
      ${(data) => html`<${ServiceForm} initial=${data.service} />
        <section class="card" aria-labelledby="mapping-policies">
          <h2 id="mapping-policies">Table mapping policies</h2>
          <p class="muted">Changing a mapping's policies makes it customized: resetting to the defaults exports it first.</p>
          <${Table}
            caption="Policies in use"
            rows=${data.mappings.map((m) => ({ ...m, id: m.mapping }))}
            columns=${[
              ["Mapping", (m) => m.mapping],
              ["Both sides changed", (m) => UPDATE_CONFLICT[m.updateConflict]],
              ["Deleted on one side", (m) => DELETION_CONFLICT[m.deletionConflict]],
              ["Hold deletions above", (m) => m.massDeleteThreshold],
              ["Skip after failures", (m) => m.skipAfterFailures || "never"],
            ]}
          />
          <p class="field">
            <label for="policy-mapping">Change the policies of</label>
            <select id="policy-mapping" value=${chosen} onChange=${(e) => setChosen(e.currentTarget.value)}>
              <option value="">Choose a mapping</option>
              ${data.mappings.map((m) => html`<option value=${m.mapping}>${m.mapping}</option>`)}
            </select>
          </p>
          ${
            chosen
              ? html`<${PolicyForm}
                  key=${chosen}
                  policy=${data.mappings.find((m) => m.mapping === chosen)}
                  onSaved=${settings.reload}
                />`
              : null
          }
        </section>`}
    <//>
  </section>`;
}
