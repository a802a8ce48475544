// Assisted setup (Business Central's "Set up a connection to Dynamics 365 Sales"): the connection, its test, the
// company chosen from Business Central's list, the integration solution, the sales order mode, item availability
// and the Sales URL, saved as `bcsync setup` saves them. Every check is the server's (/setup/check runs the terminal
// wizard's rules), so the page and the CLI never disagree on what a valid answer is.

import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";
import { ActionButton, ErrorMessage, html, Loaded, useApi } from "./ui.js";

const CONNECTION_FIELDS = [
  {
    name: "dataverseUrl",
    label: "Dynamics 365 Sales (Dataverse) URL",
    hint: "For example https://contoso.crm4.dynamics.com",
    type: "url",
  },
  { name: "tenantId", label: "Microsoft Entra tenant", hint: "The tenant id (a GUID) or its domain" },
  {
    name: "authority",
    label: "Token authority (optional)",
    hint: "Only for a private cloud or the local emulators; default https://login.microsoftonline.com",
    type: "url",
    optional: true,
  },
  {
    name: "caFile",
    label: "CA certificate file (optional)",
    hint: "A PEM file on the server to trust, only for a private certificate such as the emulators'",
    optional: true,
  },
  { name: "clientId", label: "App registration (client) id", hint: "The Application (client) ID, a GUID" },
  {
    name: "bcUrl",
    label: "Business Central API URL",
    hint: "https://api.businesscentral.dynamics.com in the cloud",
    type: "url",
  },
  {
    name: "bcTenantId",
    label: "Business Central tenant (optional)",
    hint: "Only when it differs from the Entra tenant",
    optional: true,
  },
  { name: "environment", label: "Business Central environment", hint: "For example production" },
];

const MODES = [
  { value: "none", label: "No sales order synchronization", hint: "" },
  {
    value: "legacy",
    label: "Sales order integration",
    hint: "Orders submitted in Sales are created in Business Central; Business Central sends back their status.",
  },
  {
    value: "bidirectional",
    label: "Bidirectional sales orders",
    hint: "Orders and their lines synchronize both ways while they are open.",
  },
];

/** One connection field with its label, hint and the server's check of the answer beside it. */
function Field({ field, value, problem, onInput, onCheck }) {
  const id = `setup-${field.name}`;
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  return html`<p class="field">
    <label for=${id}>${field.label}</label>
    <input
      id=${id}
      name=${field.name}
      type=${field.type ?? "text"}
      value=${value ?? ""}
      required=${!field.optional}
      autocomplete="off"
      spellcheck="false"
      aria-invalid=${problem ? "true" : undefined}
      aria-describedby=${problem ? `${hintId} ${problemId}` : hintId}
      onInput=${(e) => onInput(field.name, e.currentTarget.value)}
      onBlur=${(e) => onCheck(field.name, e.currentTarget.value)}
    />
    <span class="hint" id=${hintId}>${field.hint}</span>
    ${problem ? html`<span class="problem" id=${problemId}>${problem}</span>` : null}
  </p>`;
}

/** Each service's answer to the connection test, in words. */
function TestResult({ result }) {
  if (!result) return null;
  const line = (name, r) =>
    html`<li class=${r.ok ? "ok" : "bad"}><strong>${name}: ${r.ok ? "connected" : "failed"}.</strong> ${r.text}</li>`;
  return html`<ul class="test-result" aria-label="Connection test result">
    ${line("Sales (Dataverse)", result.dataverse)} ${line("Business Central", result.businessCentral)}
    ${
      result.companyFound === false
        ? html`<li class="bad">The chosen company is not in this environment: choose one from the list.</li>`
        : null
    }
  </ul>`;
}

function SolutionStatus({ check }) {
  if (!check) return null;
  const missing = [
    ...check.tables.filter((t) => !t.present).map((t) => `table ${t.table}`),
    ...check.roles.filter((r) => !r.assigned).map((r) => `role ${r.name} (not assigned to the application user)`),
    ...(check.navConnection ? [] : ["the connection record that links Sales back to Business Central"]),
  ];
  return check.installed
    ? html`<p class="ok-text">
        ${`Installed: ${check.tables.length} integration tables answer, the application user holds ${check.roles.map((r) => r.name).join(", ")}, and Sales links back to Business Central.`}
      </p>`
    : html`<p class="bad-text">Not complete. Missing: ${missing.join("; ")}.</p>`;
}

function SetupForm({ initial, companiesNow, solution }) {
  const [values, setValues] = useState({ ...initial.connection, clientSecret: "" });
  const [settings, setSettings] = useState(initial.settings);
  const [problems, setProblems] = useState({});
  const [companies, setCompanies] = useState(companiesNow ?? []);
  const [test, setTest] = useState(undefined);
  const [confirmReset, setConfirmReset] = useState(false);
  const [saved, setSaved] = useState(undefined);
  const [saveError, setSaveError] = useState(undefined);
  const [saving, setSaving] = useState(false);

  const setValue = (name, value) => setValues((v) => ({ ...v, [name]: value }));
  const check = async (name, value) => {
    const { problems: found } = await api("POST", "/setup/check", { [name]: value });
    setProblems((p) => ({ ...p, [name]: found[name] }));
  };
  /** The answers to send: blanks of optional fields left out, the secret only when typed. */
  const answers = () =>
    Object.fromEntries(
      Object.entries(values).filter(([k, v]) => k !== "companyName" && typeof v === "string" && v.trim() !== ""),
    );
  const setSetting = (name, value) =>
    setSettings((s) => {
      const next = { ...s, [name]: value };
      // Automatic order creation belongs to the legacy mode: leaving it switches that option off too.
      if (name === "salesOrderMode" && value !== "legacy") next.autoCreateSalesOrders = false;
      return next;
    });

  const runTest = async () => {
    const result = await api("POST", "/setup/test", answers());
    setTest(result);
    if (result.businessCentral.ok) setCompanies(result.businessCentral.companies);
    const both = result.dataverse.ok && result.businessCentral.ok;
    return both ? "Both services answered." : "The test found a problem; see below.";
  };

  const save = async (event) => {
    event.preventDefault();
    setSaving(true);
    setSaved(undefined);
    setSaveError(undefined);
    try {
      const result = await api("PUT", "/setup", { connection: answers(), settings, confirmReset });
      setSaved(result);
      setSettings(result.settings);
      setValue("clientSecret", "");
    } catch (error) {
      setSaveError(error);
    } finally {
      setSaving(false);
    }
  };

  return html`<form class="setup" onSubmit=${save} aria-label="Assisted setup" novalidate>
    <section class="card" aria-labelledby="setup-connection">
      <h2 id="setup-connection">1. Connection</h2>
      <p class="muted">
        The app registration bcsync signs in with, to both services. Its secret is written to a file only the service
        reads; it is never shown again.
      </p>
      ${CONNECTION_FIELDS.map(
        (f) =>
          html`<${Field} key=${f.name} field=${f} value=${values[f.name]} problem=${problems[f.name]} onInput=${setValue} onCheck=${check} />`,
      )}
      <p class="field">
        <label for="setup-clientSecret">Client secret</label>
        <input
          id="setup-clientSecret"
          name="clientSecret"
          type="password"
          autocomplete="new-password"
          value=${values.clientSecret}
          aria-describedby="setup-clientSecret-hint"
          onInput=${(e) => setValue("clientSecret", e.currentTarget.value)}
        />
        <span class="hint" id="setup-clientSecret-hint">
          Now kept in ${initial.secret}. Leave blank to keep it; type a new one to replace it.
        </span>
      </p>
      <${ActionButton} label="Test connection" busyLabel="Testing…" action=${runTest} />
      <${TestResult} result=${test} />
    </section>

    <section class="card" aria-labelledby="setup-company">
      <h2 id="setup-company">2. Company</h2>
      <p class="field">
        <label for="setup-companyId">Business Central company to connect</label>
        <select
          id="setup-companyId"
          value=${values.companyId}
          onChange=${(e) => setValue("companyId", e.currentTarget.value)}
          aria-describedby="setup-companyId-hint"
        >
          ${
            companies.some((c) => c.id.toLowerCase() === String(values.companyId).toLowerCase())
              ? null
              : html`<option value=${values.companyId}>${initial.connection.companyName || values.companyId}</option>`
          }
          ${companies.map((c) => html`<option key=${c.id} value=${c.id}>${c.name}</option>`)}
        </select>
        <span class="hint" id="setup-companyId-hint">
          The companies of the environment above (test the connection to list another environment's).
        </span>
      </p>
    </section>

    <section class="card" aria-labelledby="setup-solution">
      <h2 id="setup-solution">3. Integration solution</h2>
      <p class="muted">
        Security roles for the application user, the integration tables, and the record that links Sales back to
        Business Central.
      </p>
      <${Loaded} resource=${solution}>${(s) => html`<${SolutionStatus} check=${s} />`}<//>
      <div class="buttons">
        <${ActionButton} label="Check again" action=${async () => {
          await solution.reload();
          return "Checked.";
        }} />
        <${ActionButton}
          label="Install now"
          busyLabel="Installing…"
          action=${async () => {
            const report = await api("POST", "/setup/solution", {});
            return `Installed: roles ${report.roles.map((r) => r.name).join(", ")}${report.warnings.length ? `; note: ${report.warnings.join("; ")}` : ""}.`;
          }}
          onDone=${() => solution.reload()}
        />
      </div>
      <p class="check">
        <label>
          <input
            type="checkbox"
            checked=${settings.installSolution}
            onChange=${(e) => setSetting("installSolution", e.currentTarget.checked)}
          />
          Install or update the integration solution when saving
        </label>
      </p>
    </section>

    <section class="card" aria-labelledby="setup-orders">
      <h2 id="setup-orders">4. Sales orders</h2>
      <fieldset>
        <legend>Sales order mode</legend>
        <p class="hint" id="setup-mode-hint">
          Sales order integration and bidirectional sales orders exclude each other, as in Business Central. Leaving
          sales order integration is refused while submitted Sales orders still wait to be created in Business Central.
        </p>
        ${MODES.map(
          (m) => html`<label class="choice" key=${m.value}>
            <input
              type="radio"
              name="salesOrderMode"
              value=${m.value}
              checked=${settings.salesOrderMode === m.value}
              aria-describedby="setup-mode-hint"
              onChange=${() => setSetting("salesOrderMode", m.value)}
            />
            <span><strong>${m.label}</strong>${m.hint ? html`<br /><span class="muted">${m.hint}</span>` : null}</span>
          </label>`,
        )}
      </fieldset>
      <p class="check">
        <label>
          <input
            type="checkbox"
            checked=${settings.autoCreateSalesOrders}
            disabled=${settings.salesOrderMode !== "legacy"}
            onChange=${(e) => setSetting("autoCreateSalesOrders", e.currentTarget.checked)}
          />
          Create Business Central orders automatically when a Sales order is submitted (sales order integration only)
        </label>
      </p>
      <p class="check">
        <label>
          <input
            type="checkbox"
            checked=${settings.autoProcessSalesQuotes}
            onChange=${(e) => setSetting("autoProcessSalesQuotes", e.currentTarget.checked)}
          />
          Process activated Sales quotes in Business Central automatically
        </label>
      </p>
    </section>

    <section class="card" aria-labelledby="setup-availability">
      <h2 id="setup-availability">5. Item availability</h2>
      <p class="check">
        <label>
          <input
            type="checkbox"
            checked=${settings.itemAvailability}
            onChange=${(e) => setSetting("itemAvailability", e.currentTarget.checked)}
          />
          Synchronize item availability to Sales automatically (every 30 minutes)
        </label>
      </p>
    </section>

    <section class="card" aria-labelledby="setup-sales-url">
      <h2 id="setup-sales-url">6. Sales URL</h2>
      <${Field}
        field=${{
          name: "salesUrl",
          label: "Dynamics 365 Sales URL that opens records (optional)",
          hint: "Where coupled records open in Sales; default the Dataverse URL",
          type: "url",
          optional: true,
        }}
        value=${values.salesUrl}
        problem=${problems.salesUrl}
        onInput=${setValue}
        onCheck=${check}
      />
    </section>

    <section class="card" aria-labelledby="setup-save">
      <h2 id="setup-save">Save and apply</h2>
      <p class="muted">
        Saving tests both services again, installs the solution (when chosen), sets the sales order mode in Sales and
        applies the default table mappings and job queue entries for these options, as${" "}
        <code>npx bcsync setup</code> does.
      </p>
      <p class="check">
        <label>
          <input type="checkbox" checked=${confirmReset} onChange=${(e) => setConfirmReset(e.currentTarget.checked)} />
          Reset customized table mappings to the defaults (the current set is exported first)
        </label>
      </p>
      <button type="submit" class="primary" disabled=${saving}>${saving ? "Saving…" : "Save and apply"}</button>
      ${saved ? html`<${SavedNote} result=${saved} />` : null}
      <${ErrorMessage} error=${saveError} />
      ${
        saveError?.code === "BCSYNC_E_INTEGRATION_LEGACY_ORDERS_WAITING"
          ? html`<p><a href="#/orders">Open the Sales orders page to create them in Business Central</a>.</p>`
          : null
      }
      ${
        saveError?.code === "BCSYNC_E_INTEGRATION_RESET_NOT_CONFIRMED"
          ? html`<p>In this page: tick "Reset customized table mappings to the defaults" above, then save again.</p>`
          : null
      }
    </section>
  </form>`;
}

function SavedNote({ result }) {
  return html`<div class="notice" role="status">
    <p>
      <strong>Saved.</strong> ${result.mappings} table mappings and ${result.jobQueueEntries} job queue entries applied;
      connected as application user ${result.dataverseUserId}.
    </p>
    ${result.solution ? html`<p>Integration solution: roles ${result.solution.roles.join(", ")}.</p>` : null}
    ${result.exportedTo ? html`<p>The previous table mappings were exported to <code>${result.exportedTo}</code>.</p>` : null}
    ${
      result.switchedOff.length
        ? html`<p>Switched off because the connected services do not have them: ${result.switchedOff.join("; ")}.</p>`
        : null
    }
    ${
      result.restartNeeded
        ? html`<p><strong>The connection changed: restart <code>bcsync serve</code> to use it.</strong></p>`
        : html`<p>The service uses the new settings now.</p>`
    }
  </div>`;
}

export function AssistedSetup() {
  const setup = useApi("/setup");
  const solution = useApi("/setup/solution");
  const [companies, setCompanies] = useState(undefined);
  useEffect(() => {
    // The list of the connection in use; a failure only leaves the list to the connection test.
    api("GET", "/setup/companies").then(setCompanies, () => setCompanies([]));
  }, []);
  return html`<section aria-labelledby="setup-title">
    <h1 id="setup-title">Assisted setup</h1>
    <p class="muted">
      Connect Business Central and Dynamics 365 Sales, in the order Business Central's own assisted setup asks.
    </p>
    <${Loaded} resource=${setup}>
      ${(initial) =>
        companies === undefined
          ? html`<p class="muted" aria-busy="true">Listing the companies…</p>`
          : html`<${SetupForm} initial=${initial} companiesNow=${companies} solution=${solution} />`}
    <//>
  </section>`;
}
