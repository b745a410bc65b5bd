#!/usr/bin/env python3
"""examples/auth_tools_server as a user runs it: tool-level auth over real HTTP.

Starts the example (which starts its own chat service), then as an MCP client
over Streamable HTTP: tools/list shows only the auth tools; a chat tool fails
fast saying to call `authenticate`; a wrong token is refused by the chat
service; the right one signs the session in (the callback runs), the chat
tools appear and work; another session is still signed out; `logout` gates
them again. The token never appears in the server's log.
"""
import json, re, subprocess, sys, urllib.request, urllib.error

from loopback import check, free_port, wait_for_listener




class client:
    def __init__(self, url):
        self.url, self.sid, self.next_id = url, None, 1

    def post(self, msg):
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.sid:
            headers["Mcp-Session-Id"] = self.sid
        req = urllib.request.Request(self.url, data=json.dumps(msg).encode(), headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            if "Mcp-Session-Id" in r.headers:
                self.sid = r.headers["Mcp-Session-Id"]
            body = r.read().decode()
            if r.headers.get("Content-Type", "").startswith("text/event-stream"):
                datas = [l[6:] for l in body.splitlines() if l.startswith("data: ") and l[6:].strip()]
                msgs = [json.loads(d) for d in datas]
                return next(m for m in msgs if m.get("id") == msg.get("id")) if "id" in msg else None
            return json.loads(body) if body else None

    def request(self, method, params=None):
        self.next_id += 1
        return self.post({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}})

    def open(self):
        r = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                  "clientInfo": {"name": "py", "version": "1"}}})
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return r

    def tools(self):
        return sorted(t["name"] for t in self.request("tools/list")["result"]["tools"])

    def call(self, name, args=None):
        return self.request("tools/call", {"name": name, "arguments": args or {}})["result"]


def main():
    port = free_port()
    proc = subprocess.Popen([sys.argv[1], "--port", str(port)], stderr=subprocess.PIPE, text=True)
    log = []
    try:
        chat_url = token = None
        while chat_url is None:
            line = proc.stderr.readline()
            log.append(line)
            m = re.search(r"chat service at (\S+), demo token (\S+)", line)
            if m:
                chat_url, token = m.group(1), m.group(2)
        wait_for_listener(port)
        c = client(f"http://127.0.0.1:{port}/mcp")
        init = c.open()
        check(init["result"]["capabilities"]["tools"]["listChanged"] is True, "tools.listChanged is declared")
        check(c.tools() == ["authenticate", "get_auth_status", "logout"], "signed out: only the auth tools are listed")
        r = c.call("post_message", {"message": "hi"})
        check(r["isError"] and "call the tool 'authenticate' first" in r["content"][0]["text"],
              "signed out: a chat tool fails fast and says to call authenticate")
        schema = [t for t in c.request("tools/list")["result"]["tools"] if t["name"] == "authenticate"][0]["inputSchema"]
        check(sorted(schema["required"]) == ["token", "url"], "authenticate's inputSchema comes from the credentials struct")
        r = c.call("authenticate", {"url": chat_url, "token": "wrong-token"})
        check(r["isError"] and "refused the token" in r["content"][0]["text"], "a wrong token is refused by the chat service")
        check(c.call("get_auth_status")["structuredContent"]["authenticated"] is False, "still signed out")
        r = c.call("authenticate", {"url": chat_url, "token": token})
        check(not r.get("isError") and r["structuredContent"]["identity"]["username"] == "alice",
              "the right token signs the session in")
        check(c.tools() == ["authenticate", "get_auth_status", "get_me", "logout", "post_message"],
              "signed in: the chat tools are listed")
        r = c.call("post_message", {"message": "hello from MCP"})
        check(not r.get("isError") and "hello from MCP" in r["content"][0]["text"], "a chat tool works with the session's token")
        other = client(f"http://127.0.0.1:{port}/mcp")
        other.open()
        check(other.call("get_me")["isError"], "another session is not signed in")
        check(c.call("logout")["structuredContent"]["authenticated"] is False, "logout")
        check(c.call("get_me")["isError"], "after logout the chat tools are gated again")
        check(c.tools() == ["authenticate", "get_auth_status", "logout"], "after logout only the auth tools are listed")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        log.append(err)
    text = "".join(log)
    check("event stream reconnected (1)" in text, "the sign-in callback ran")
    check(token not in text.split("demo token", 1)[1].split("\n", 1)[1], "the token never appears in the server's log")


main()
