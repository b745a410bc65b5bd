#!/usr/bin/env python3
"""A stdio MCP server whose misbehaviour the client tests choose.

usage: scripted_mcp_server.py MODE [ARG]

MODE
  normal            a small, correct server (tools "slow", "hang", "seen", "exit", "huge", "garbage", "stray_id",
                    "ill_typed": notifications whose params have members of the wrong type)
  version V         answers initialize with protocolVersion V
  html              writes an HTML page instead of JSON-RPC
  cursor_loop       tools/list always returns the same nextCursor
  ignore_term       ignores SIGTERM and EOF on stdin, and starts a grandchild that does too
  connector         as normal, with every tool listed on one page, and "grow", which adds the tool
                    "grown" and sends notifications/tools/list_changed
"""
import json
import os
import signal
import subprocess
import sys
import time

mode = sys.argv[1] if len(sys.argv) > 1 else "normal"
cancelled = []
grown = False


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def result(rid, r):
    send({"jsonrpc": "2.0", "id": rid, "result": r})


def text(t):
    return {"content": [{"type": "text", "text": t}]}


if mode == "html":
    sys.stdout.write("<!DOCTYPE html>\n<html><body>Not an MCP server</body></html>\n")
    sys.stdout.flush()
    time.sleep(30)
    sys.exit(0)

if mode == "ignore_term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen(["sh", "-c", "trap '' TERM; while :; do sleep 1; done"])
    sys.stderr.write("grandchild %d\n" % child.pid)
    sys.stderr.flush()
    while True:
        time.sleep(1)

for line in sys.stdin:
    msg = json.loads(line)
    method, rid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if method == "initialize":
        version = sys.argv[2] if mode == "version" else params.get("protocolVersion")
        result(rid, {"protocolVersion": version, "capabilities": {"tools": {"listChanged": True}},
                     "serverInfo": {"name": "scripted", "version": "1.0"}})
    elif method == "notifications/initialized":
        pass
    elif method == "notifications/cancelled":
        cancelled.append(params.get("requestId"))
    elif method == "ping":
        result(rid, {})
    elif method == "tools/list":
        cursor = params.get("cursor")
        if mode == "cursor_loop":
            result(rid, {"tools": [], "nextCursor": "same"})
        elif mode == "connector":
            names = ["slow", "hang", "seen", "exit", "grow", "environment"] + (["grown"] if grown else [])
            result(rid, {"tools": [{"name": n, "inputSchema": {"type": "object"}} for n in names]})
        elif cursor is None:
            result(rid, {"tools": [{"name": "slow", "inputSchema": {"type": "object"}}], "nextCursor": "page2"})
        else:
            result(rid, {"tools": [{"name": "hang", "inputSchema": {"type": "object"}},
                                   {"name": "seen", "inputSchema": {"type": "object"}}]})
    elif method == "tools/call":
        name = params.get("name")
        args = params.get("arguments") or {}
        token = (params.get("_meta") or {}).get("progressToken")
        if name == "slow":
            steps, gap = args.get("steps", 10), args.get("gap_ms", 100) / 1000.0
            for i in range(steps):
                if token is not None:
                    send({"jsonrpc": "2.0", "method": "notifications/progress",
                          "params": {"progressToken": token, "progress": i + 1, "total": steps}})
                time.sleep(gap)
            result(rid, text("slow done"))
        elif name == "hang":
            pass
        elif name == "grow":
            grown = True
            send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
            result(rid, text("grew"))
        elif name == "grown":
            result(rid, text("I am new"))
        elif name == "environment":
            result(rid, {"content": [], "structuredContent": {"env": dict(os.environ), "argv": sys.argv[1:]}})
        elif name == "seen":
            result(rid, {"content": [], "structuredContent": {"cancelled": cancelled}})
        elif name == "exit":
            sys.stderr.write("fatal: the scripted server gives up\n")
            sys.stderr.flush()
            sys.exit(7)
        elif name == "huge":
            sys.stdout.write('{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"%s"}]}}\n'
                             % (json.dumps(rid), "a" * (2 * 1024 * 1024)))
            sys.stdout.flush()
        elif name == "garbage":
            sys.stdout.write("this is not json\n")
            sys.stdout.flush()
            result(rid, text("after garbage"))
        elif name == "ill_typed":
            for method, p in [("notifications/message", {"level": 5, "logger": 7, "data": "level 5"}),
                              ("notifications/message", [1, 2]),
                              ("notifications/progress", {"progressToken": [1], "progress": "x", "total": {}}),
                              ("notifications/cancelled", {"requestId": {"a": 1}}),
                              ("notifications/resources/updated", {"uri": 5}),
                              ("notifications/message", {"level": "warning", "logger": "w", "data": "thrown at"}),
                              ("notifications/message", {"level": "error", "data": "after the throw"})]:
                send({"jsonrpc": "2.0", "method": method, "params": p})
            result(rid, text("after ill-typed"))
        elif name == "stray_id":
            result(9999, text("nobody asked"))
            result(rid, text("after stray"))
        else:
            send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": "Unknown tool: " + str(name)}})
    elif rid is not None:
        send({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}})
