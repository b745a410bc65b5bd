#!/usr/bin/env python3
"""everything_server behind the OAuth resource-server policy, as a user runs it.

Plays the authorization server with Python `cryptography`: makes a P-256 key,
writes its JWK Set, signs access tokens; then starts
`everything_server --auth-jwks FILE --auth-issuer ... --auth-scopes mcp` and
checks over real HTTP: 401 with the RFC 9728 challenge, the metadata
document, 403 for a token without the required scope, 401 for a token for
another audience, and a full initialize + tools/call with a good token.
"""
import base64, json, os, subprocess, sys, tempfile, time, urllib.request, urllib.error

from loopback import check, free_port, wait_for_listener
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()



key = ec.generate_private_key(ec.SECP256R1())
nums = key.public_key().public_numbers()
jwk = {"kty": "EC", "crv": "P-256", "kid": "as-key-1", "alg": "ES256", "use": "sig",
       "x": b64(nums.x.to_bytes(32, "big")), "y": b64(nums.y.to_bytes(32, "big"))}


def token(claims: dict) -> str:
    header = {"alg": "ES256", "typ": "at+jwt", "kid": "as-key-1"}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def request(url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()



def main():
    server = sys.argv[1]
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    issuer = "https://as.polymcp.test"
    with tempfile.TemporaryDirectory() as d:
        jwks = os.path.join(d, "jwks.json")
        with open(jwks, "w") as f:
            json.dump({"keys": [jwk]}, f)
        proc = subprocess.Popen([server, "--port", str(port), "--auth-jwks", jwks, "--auth-issuer", issuer,
                                 "--auth-scopes", "mcp"], stderr=subprocess.PIPE, text=True)
        try:
            wait_for_listener(port)
            now = int(time.time())
            good = token({"iss": issuer, "sub": "alice", "aud": resource, "iat": now, "exp": now + 300, "scope": "mcp"})
            no_scope = token({"iss": issuer, "sub": "alice", "aud": resource, "iat": now, "exp": now + 300, "scope": "x"})
            other_aud = token({"iss": issuer, "sub": "alice", "aud": "https://elsewhere/mcp", "iat": now, "exp": now + 300,
                               "scope": "mcp"})
            init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                               "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                          "clientInfo": {"name": "py", "version": "1"}}}).encode()
            base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}

            status, headers, _ = request(resource, init, base)
            challenge = headers.get("WWW-Authenticate", "")
            check(status == 401, "no token: 401")
            check(f'resource_metadata="http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp"' in challenge,
                  "the challenge names the metadata URL")
            check('scope="mcp"' in challenge, "the challenge names the required scope")

            status, _, body = request(f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp")
            meta = json.loads(body)
            check(status == 200 and meta["resource"] == resource and meta["authorization_servers"] == [issuer],
                  "RFC 9728 metadata")

            status, headers, _ = request(resource, init, {**base, "Authorization": "Bearer " + no_scope})
            check(status == 403 and 'error="insufficient_scope"' in headers.get("WWW-Authenticate", ""),
                  "a token without the scope: 403 insufficient_scope")
            status, headers, _ = request(resource, init, {**base, "Authorization": "Bearer " + other_aud})
            check(status == 401 and 'error="invalid_token"' in headers.get("WWW-Authenticate", ""),
                  "a token for another audience: 401 invalid_token")

            auth = {**base, "Authorization": "Bearer " + good}
            status, headers, body = request(resource, init, auth)
            check(status == 200, "a good token: initialize succeeds")
            sid = headers["Mcp-Session-Id"]
            status, _, _ = request(resource, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode(),
                                   {**auth, "Mcp-Session-Id": sid})
            check(status == 202, "initialized")
            call = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                               "params": {"name": "test_simple_text", "arguments": {}}}).encode()
            status, _, body = request(resource, call, {**auth, "Mcp-Session-Id": sid})
            check(status == 200 and "This is a simple text response for testing." in body, "tools/call with the token")
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=10)
            if good in err:
                print("FAILED: the token appears in the server's log")
                sys.exit(1)
            print("ok: the token never appears in the server's log")


main()
