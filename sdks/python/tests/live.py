"""Helpers for tests that run against a live server named by CONTINUA_ENDPOINT / CONTINUA_API_KEY."""

from __future__ import annotations

import json
import os
import threading
import time
import unittest
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional


def live_config() -> tuple[str, str]:
    endpoint = os.environ.get("CONTINUA_ENDPOINT")
    key = os.environ.get("CONTINUA_API_KEY")
    if not endpoint or not key:
        raise unittest.SkipTest("CONTINUA_ENDPOINT and CONTINUA_API_KEY name the live server these tests need")
    return endpoint.rstrip("/"), key


def api_get(path: str) -> Any:
    endpoint, key = live_config()
    req = urllib.request.Request(endpoint + path, headers={"x-api-key": key})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read().decode("utf-8"))


def find_trace(external_id: str) -> dict[str, Any]:
    """The stored trace (detail) with its spans and explicit events, found by external id."""
    listed = api_get("/api/traces?q=" + urllib.parse.quote(external_id))
    match = [t for t in listed["traces"] if t["trace_id"] == external_id]
    if not match:
        raise AssertionError(f"trace {external_id} not stored")
    internal = match[0]["id"]
    detail = api_get(f"/api/traces/{internal}")
    detail["spans"] = api_get(f"/api/traces/{internal}/spans")["spans"]
    events: list[dict[str, Any]] = []
    after: Optional[str] = None
    while True:
        page = api_get(f"/api/traces/{internal}/events?limit=500" + (f"&after={urllib.parse.quote(after)}" if after else ""))
        events += [e for e in page["events"] if e["source"] == "explicit"]
        if not page.get("has_more"):
            break
        after = page["next_cursor"]
    detail["events"] = sorted(events, key=lambda e: (e["span_id"], e["sequence"] if e["sequence"] is not None else -1))
    return detail


def wait_until(what: str, probe: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


class ScriptedServer:
    """A local HTTP server answering from a script of (status, headers, body) in order, then 200s."""

    def __init__(self, script: list[tuple[int, dict[str, str], Any]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[str, str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                outer.requests.append((self.command, self.path, json.loads(raw) if raw else None))
                status, headers, body = outer.script.pop(0) if outer.script else (200, {}, {"status": "ok", "batch_key": "k", "batch_id": "00000000-0000-4000-8000-000000000001"})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
