// What each error code of the API (docs/gateway.md, "Error codes") means to
// a person, and what to do about it.

const MESSAGES = {
  INVALID_URL: "That URL cannot be used. Enter the full http:// or https:// address of the server's MCP endpoint.",
  SSRF_BLOCKED:
    "The gateway does not connect to that address: it is a private, loopback or link-local one. Use the server's public address, or ask an administrator to allow that network.",
  DNS_FAILURE: "The server's host name does not resolve. Check its spelling.",
  CONNECTION_FAILED: "Nothing answered at that address. Check the host and the port, and that the server is running.",
  TLS_ERROR: "The server's TLS certificate was refused. Check that the URL names the host the certificate is for.",
  TIMEOUT: "The server did not answer in time. Try again; if it keeps happening, check the address or the server.",
  HTTP_ERROR: "The server answered with an HTTP error. Check the URL's path: an MCP endpoint is often /mcp.",
  AUTH_REQUIRED:
    "The server needs credentials. Choose how to sign in to it: enter a token or key, or choose OAuth to sign in on its own page.",
  INVALID_MCP_SERVER: "Something answered, but it is not an MCP server. Check that the URL is the server's MCP endpoint.",
  PROTOCOL_VERSION_UNSUPPORTED: "The server speaks no version of MCP the gateway does. It needs a newer server.",
  CONNECTOR_LIMIT_REACHED: "You have as many connectors as you may have. Delete one to add another.",
  ALREADY_EXISTS: "You already have a connector with that name. Choose another name.",
  CONFLICT: "Someone changed this at the same time. Reload and try again.",
  RATE_LIMITED: "Too many connection tests this minute. Wait a little and try again.",
  LIMIT_REACHED: "A limit of the gateway was reached (upstream sessions or processes). Disconnect something and try again.",
  UNAUTHENTICATED: "The gateway refused the API key. Sign in again.",
  FORBIDDEN: "You may not do that: it needs an administrator.",
  TRANSPORT_NOT_ALLOWED: "Only administrators may add a local (stdio) server or make a server public.",
  DISABLED: "This connector, or the catalog server it uses, is disabled.",
  NOT_FOUND: "It no longer exists. Reload the page.",
  NOT_CONNECTED: "The connector is not connected in this session. Connect it first.",
  UPSTREAM_ERROR: "The server failed while answering. Try again, or look at the server's own logs.",
  STORAGE_UNAVAILABLE: "The gateway's storage does not answer. Nothing was changed; try again in a moment.",
  CRYPTO_ERROR: "The gateway cannot open the stored credentials (its encryption key changed). Enter them again.",
  INVALID_REQUEST: "The gateway refused the form.",
  NETWORK: "The gateway does not answer. Check that it is running.",
  SIGN_IN_FAILED: "Signing in with the authorization server did not work. Try again; if it keeps failing, tell the gateway's operator.",
};

/** A sentence for an ApiError (or any error): what happened and what to do, then the gateway's own words. */
export function describe(error) {
  const plain = MESSAGES[error?.code];
  const detail = error?.message && error.message !== plain ? error.message : "";
  if (!plain) return detail || "Something went wrong.";
  return detail ? `${plain} (${detail})` : plain;
}

export const knownCodes = Object.keys(MESSAGES);
