// Every call the console makes goes through here: same-origin cookies, the CSRF token on changes, and the API's
// one error shape ({ error: { code, message, fix } }) turned into an ApiError the pages show as they are.

const boot = JSON.parse(document.getElementById("bcsync-boot")?.textContent ?? "null") ?? {};

/** Who was signed in when the page loaded (the server embeds it, so no request has to fail to find out). */
export const initialSession = boot.session ?? null;
/** Demo mode: the emulator record editor exists. */
export const recordEditorAvailable = boot.recordEditor === true;

let csrfToken = initialSession?.csrfToken ?? null;

// Several Business Central companies in one service (issue 11): the first company's API is /api/v1 itself, each other
// one's is /api/v1/companies/<slug>. The company chosen in the header is kept for this browser tab, and every
// company-scoped call goes to its API; signing in and the company list are the service's own.
const COMPANY_KEY = "bcsync.company";
const SERVICE_PATHS = /^\/(session|companies)(\/|\?|$)/;
let company = sessionStorage.getItem(COMPANY_KEY) || null;

/** The slug of the company the console shows, or null for the first one. */
export function currentCompany() {
  return company;
}

export function chooseCompany(slug) {
  company = slug || null;
  if (company) sessionStorage.setItem(COMPANY_KEY, company);
  else sessionStorage.removeItem(COMPANY_KEY);
}

const apiPath = (path) =>
  company && !SERVICE_PATHS.test(path) ? `/companies/${encodeURIComponent(company)}${path}` : path;
const signedOutListeners = new Set();

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message ?? `The service answered ${status}.`);
    this.status = status;
    this.code = error.code ?? "BCSYNC_E_CONSOLE_HTTP";
    this.fix = error.fix ?? "";
  }
}

/** Called when the session has ended (expired, or signed out elsewhere): the app shows the sign-in again. */
export function onSignedOut(listener) {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** One request; its body as text when it succeeded, else an ApiError (the API's error shape, or the status alone). */
async function request(method, path, body, accept) {
  const headers = { accept };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(`/api/v1${apiPath(path)}`, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    const error = new ApiError(response.status, text ? JSON.parse(text) : null);
    if (error.code === "BCSYNC_E_SERVER_UNAUTHENTICATED") for (const listener of signedOutListeners) listener();
    throw error;
  }
  return text;
}

export async function api(method, path, body) {
  const text = await request(method, path, body, "application/json");
  return text ? JSON.parse(text) : null;
}

/** A GET whose answer is a file's text, not JSON (the mapping export in YAML); errors are JSON as always. */
export function apiText(path) {
  return request("GET", path, undefined, "application/yaml, application/json, text/plain");
}

export async function signIn(username, password) {
  const session = await api("POST", "/session", { username, password });
  csrfToken = session.csrfToken;
  return session;
}

export async function signOut() {
  await api("DELETE", "/session");
  csrfToken = null;
}
