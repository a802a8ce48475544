// The console's shell: sign-in, the navigation (in the order an administrator works) and the page of the current
// address (#/…, so every page has a link and the back button works without server routes).

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import {
  api,
  chooseCompany,
  currentCompany,
  initialSession,
  onSignedOut,
  recordEditorAvailable,
  signIn,
  signOut,
} from "./api.js";
import { RecordEditor } from "./editor.js";
import { Mappings } from "./mappings.js";
import {
  Conflicts,
  Couplings,
  Deletions,
  ErrorDetail,
  Jobs,
  Overview,
  Reconcile,
  SalesOrders,
  SyncLog,
} from "./pages.js";
import { FullSyncReview } from "./review.js";
import { Settings } from "./settings.js";
import { AssistedSetup } from "./setup.js";
import { ErrorMessage, html } from "./ui.js";

const PAGES = [
  { path: "", title: "Overview" },
  { path: "setup", title: "Assisted setup" },
  { path: "mappings", title: "Table mappings" },
  { path: "review", title: "Full sync review" },
  { path: "log", title: "Sync log" },
  { path: "couplings", title: "Couplings" },
  { path: "conflicts", title: "Conflicts" },
  { path: "deletions", title: "Held deletions" },
  { path: "jobs", title: "Job queue" },
  { path: "orders", title: "Sales orders" },
  { path: "reconcile", title: "Reconciliation" },
  { path: "settings", title: "Settings" },
  ...(recordEditorAvailable ? [{ path: "editor", title: "Emulator records" }] : []),
];

const currentRoute = () => location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);

function useRoute() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

function SignIn({ onSignedIn, expired }) {
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(String(form.get("username")), String(form.get("password"))));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="sign-in">
    <h1>Sign in to bcsync</h1>
    ${expired ? html`<p role="status">Your session has ended; sign in again.</p>` : null}
    <form onSubmit=${submit}>
      <p class="field">
        <label for="username">User name</label>
        <input id="username" name="username" autocomplete="username" required />
      </p>
      <p class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
      </p>
      <button type="submit" class="primary" disabled=${busy}>${busy ? "Signing in…" : "Sign in"}</button>
    </form>
    <${ErrorMessage} error=${error} />
  </main>`;
}

function Page({ route }) {
  const [first, second, third] = route;
  switch (first) {
    case "":
    case undefined:
      return html`<${Overview} />`;
    case "setup":
      return html`<${AssistedSetup} />`;
    case "mappings":
      return html`<${Mappings} />`;
    case "review":
      return html`<${FullSyncReview} />`;
    case "settings":
      return html`<${Settings} />`;
    case "log":
      return second === "errors" && third ? html`<${ErrorDetail} id=${third} />` : html`<${SyncLog} />`;
    case "couplings":
      return html`<${Couplings} mapping=${second} />`;
    case "conflicts":
      return html`<${Conflicts} />`;
    case "deletions":
      return html`<${Deletions} />`;
    case "jobs":
      return html`<${Jobs} />`;
    case "orders":
      return html`<${SalesOrders} />`;
    case "reconcile":
      return html`<${Reconcile} />`;
    case "editor":
      if (recordEditorAvailable)
        return html`<${RecordEditor} side=${second ?? "bc"} entitySet=${third ?? "customers"} />`;
      break;
  }
  return html`<h1>Not found</h1><p>There is no page at this address. <a href="#/">Go to the overview</a>.</p>`;
}

/**
 * The companies this service connects; with more than one, the header offers a choice and every page shows the
 * chosen company's data. A choice the service no longer knows (restarted with other companies) falls back to the
 * first company.
 */
function useCompanies(session) {
  const [companies, setCompanies] = useState([]);
  const [company, setCompany] = useState(currentCompany);
  useEffect(() => {
    if (!session) return;
    api("GET", "/companies")
      .then((list) => {
        setCompanies(list);
        if (currentCompany() && !list.some((c) => c.slug === currentCompany())) {
          chooseCompany(null);
          setCompany(null);
        }
      })
      .catch(() => setCompanies([]));
  }, [session]);
  const choose = (slug) => {
    chooseCompany(slug);
    setCompany(currentCompany());
  };
  return { companies, company, choose };
}

function CompanyChoice({ companies, company, choose }) {
  if (companies.length < 2) return null;
  return html`<p class="company">
    <label for="company-choice">Company</label>${" "}
    <select id="company-choice" value=${company ?? ""} onChange=${(e) => choose(e.currentTarget.value)}>
      ${companies.map((c) => html`<option key=${c.slug ?? ""} value=${c.slug ?? ""}>${c.name}</option>`)}
    </select>
  </p>`;
}

function App() {
  const [session, setSession] = useState(initialSession);
  const { companies, company, choose } = useCompanies(session);
  const [expired, setExpired] = useState(false);
  const route = useRoute();
  useEffect(
    () =>
      onSignedOut(() => {
        setSession(null);
        setExpired(true);
      }),
    [],
  );
  useEffect(() => {
    const page = PAGES.find((p) => p.path === (route[0] ?? ""));
    document.title = `${session ? (page?.title ?? "bcsync") : "Sign in"} – bcsync console`;
  }, [route, session]);
  if (!session)
    return html`<${SignIn}
      expired=${expired}
      onSignedIn=${(s) => {
        setExpired(false);
        setSession(s);
      }}
    />`;
  return html`<a class="skip" href="#main" onClick=${(e) => {
    e.preventDefault();
    document.getElementById("main")?.focus();
  }}>Skip to content</a>
    <header class="top">
      <p class="brand"><a href="#/">bcsync</a></p>
      <${CompanyChoice} companies=${companies} company=${company} choose=${choose} />
      <p class="user">
        Signed in as <strong>${session.username}</strong>
        <button
          type="button"
          class="link"
          onClick=${async () => {
            await signOut();
            setSession(null);
          }}
        >
          Sign out
        </button>
      </p>
    </header>
    <nav class="main-nav" aria-label="Console">
      <ul>
        ${PAGES.map(
          (p) => html`<li key=${p.path}>
            <a href=${`#/${p.path}`} aria-current=${(route[0] ?? "") === p.path ? "page" : undefined}>${p.title}</a>
          </li>`,
        )}
      </ul>
    </nav>
    <main id="main" tabindex="-1"><${Page} key=${`${company ?? ""}:${route.join("/")}`} route=${route} /></main>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the "Loading…" line the page shows until this module runs
render(html`<${App} />`, root);
