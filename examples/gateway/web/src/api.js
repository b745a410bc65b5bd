// The gateway's JSON API (docs/gateway.md, "API reference"). The API key,
// or the access token of an OAuth sign-in, is kept in sessionStorage (this
// tab only, gone when it closes): never in a cookie, a URL or localStorage.

const KEY = "polymcp.apiKey";
const TOKEN = "polymcp.accessToken";
const SESSION = "polymcp.session";

export const credentials = {
  key: () => sessionStorage.getItem(KEY) || "",
  token: () => sessionStorage.getItem(TOKEN) || "",
  signedIn: () => Boolean(sessionStorage.getItem(KEY) || sessionStorage.getItem(TOKEN)),
  session: () => sessionStorage.getItem(SESSION) || "default",
  signIn(key, session) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(SESSION, session || "default");
  },
  signInWithToken(token, session) {
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(SESSION, session || "default");
  },
  signOut() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(SESSION);
  },
};

/** An error answer of the API: its HTTP status, its code (`CONNECTION_FAILED`, ...) and message. */
export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/**
 * Calls the API: `method` on `/api/<path>` with a JSON `body` (optional).
 * Resolves with the parsed answer (null for 204); rejects with an ApiError,
 * whose code is NETWORK when the gateway does not answer.
 */
export async function api(method, path, body) {
  const headers = { "X-Gateway-Session": credentials.session() };
  if (credentials.token()) headers.Authorization = `Bearer ${credentials.token()}`;
  else if (credentials.key()) headers["X-API-Key"] = credentials.key();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new ApiError(0, "NETWORK", "The gateway does not answer.");
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    throw new ApiError(res.status, data?.error || `HTTP_${res.status}`, data?.message || res.statusText, data);
  }
  return data;
}
