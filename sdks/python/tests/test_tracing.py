"""Tracing against the live server: what the SDK sends is read back through the read API."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import subprocess
import sys
import time
import unittest
import uuid
from unittest import mock

import continua
from continua import Continua, IngestFailure, span, trace

from .live import ScriptedServer, api_get, find_trace, live_config


def continua_traces_named(name: str) -> list[str]:
    """External ids of the stored traces with this name, newest first."""
    listed = api_get("/api/traces?q=" + name + "&limit=200")["traces"]
    return [t["trace_id"] for t in listed if t["name"] == name]


class TracingTest(unittest.TestCase):
    def setUp(self) -> None:
        self.endpoint, self.key = live_config()
        self.client = Continua.init(self.key, self.endpoint, ingest_mode="sync", flush_interval=0)

    def tearDown(self) -> None:
        self.client.shutdown()

    def test_decorated_trace_spans_events_and_late_input(self) -> None:
        captured: list[str] = []

        @trace("py agent", tags=["py"], metadata={"suite": "tracing"})
        def agent(question: str) -> dict:
            current = continua.get_current_trace()
            assert current is not None
            captured.append(current.trace_id)
            current.set_input({"question": question})  # after entering: must still reach the server
            with span("plan", kind="agent") as plan:
                plan.set_input({"question": question})
                plan.log("thinking", payload={"a": 1})
                plan.error("minor problem")
                try:
                    raise KeyError("missing")
                except KeyError as exc:
                    plan.exception(exc)
                plan.message("milestone")
                plan.metric("latency", 12.5, unit="ms")
                plan.custom({"anything": True})
                plan.state_change("cart", 1, 2, namespace="shop", payload={"key": "shadowed"})
                plan.decision("which tool?", "search", alternatives=["search", "answer"], reasoning="needs facts")
                plan.effect("api_call", idempotency_key="pay-1", idempotent=True)
                plan.wait("human_approval", "entered", wait_id="w1")
                continua.snapshot_marker("phase one", marker_kind="phase")
                with span("llm") as llm:
                    llm.set_llm_response("gpt-4o-mini", [{"role": "user", "content": question}], {"content": "hi"}, 12, 5, provider="openai")
                    llm.set_tokens(cache_read=3, reasoning=1)
            return {"answer": 42}

        self.assertEqual(agent("why?"), {"answer": 42})
        trace_id = captured[0]
        ids = self.client.flush()
        self.assertGreaterEqual(len(ids), 1, "flush returns the batch ids")

        stored = find_trace(trace_id)
        self.assertEqual(stored["status"], "COMPLETED")
        self.assertEqual(stored["input"], {"question": "why?"})
        self.assertEqual(stored["output"], {"answer": 42})
        self.assertEqual(stored["tags"], ["py"])
        spans = {s["name"]: s for s in stored["spans"]}
        self.assertEqual(spans["llm"]["parent_span_id"], spans["plan"]["span_id"])
        self.assertEqual(spans["llm"]["type"], "llm")
        self.assertEqual([spans["llm"][k] for k in ("tokens_in", "tokens_out", "cache_read_tokens", "reasoning_tokens")], [12, 5, 3, 1])
        self.assertEqual(spans["llm"]["cost_source"], "price_table")
        self.assertEqual(spans["plan"]["status"], "COMPLETED")
        kinds = [e["event_type"] for e in stored["events"] if e["span_id"] == spans["plan"]["span_id"]]
        self.assertEqual(kinds, ["log", "error", "exception", "message", "metric", "custom", "state_change", "decision", "effect", "wait", "snapshot_marker"])
        by = {e["event_type"]: e for e in stored["events"] if e["span_id"] == spans["plan"]["span_id"]}
        self.assertEqual(by["state_change"]["payload"]["key"], "cart")
        self.assertEqual(by["exception"]["payload"]["exception_type"], "KeyError")
        self.assertIn("Traceback", by["exception"]["payload"]["traceback"])
        self.assertEqual(by["error"]["level"], "error")
        llm_events = [e for e in stored["events"] if e["span_id"] == spans["llm"]["span_id"]]
        self.assertEqual([e["payload"]["effect_kind"] for e in llm_events], ["model_call"])

    def test_span_decorator_on_sync_and_async_functions(self) -> None:
        @span("lookup", kind="retrieval")
        def lookup(q: str) -> list[str]:
            return [q.upper()]

        @span("summarise")
        async def summarise(items: list[str]) -> str:
            await asyncio.sleep(0)
            return ",".join(items)

        @trace
        def pipeline() -> str:
            return asyncio.run(summarise(lookup("a") + lookup("b")))

        with trace("decorators") as t:
            self.assertEqual(pipeline(), "A,B")
        self.client.flush()
        outer = find_trace(t.trace_id)
        self.assertEqual(outer["spans"], [], "the inner @trace is a trace of its own")
        listed = continua_traces_named("pipeline")
        spans = sorted(find_trace(listed[0])["spans"], key=lambda s: s["sequence"])
        self.assertEqual([(s["name"], s["type"], s["output"]) for s in spans], [("lookup", "retrieval", ["A"]), ("lookup", "retrieval", ["B"]), ("summarise", "default", "A,B")])

    def test_reserved_fields_are_validated(self) -> None:
        with trace("validation"):
            with span("s") as s:
                with self.assertRaises(ValueError):
                    s.decision("", "x")
                with self.assertRaises(ValueError):
                    s.metric("m", float("nan"))
                with self.assertRaises(ValueError):
                    s.wait("human", "sideways")

    def test_failures_mark_span_and_trace_failed(self) -> None:
        with self.assertRaises(RuntimeError):
            with trace("py boom") as t:
                tid = t.trace_id
                with span("step"):
                    raise RuntimeError("tool exploded")
        self.client.flush()
        stored = find_trace(tid)
        self.assertEqual(stored["status"], "FAILED")
        self.assertEqual(stored["spans"][0]["status"], "FAILED")
        self.assertEqual(stored["spans"][0]["error_message"], "tool exploded")

    def test_span_outside_trace_gets_its_own_trace(self) -> None:
        with span("py orphan") as s:
            s.log("kept")
            tid = s.trace_id
        self.client.flush()
        stored = find_trace(tid)
        self.assertEqual(stored["name"], "py orphan")
        self.assertEqual(stored["events"][0]["message"], "kept")

    def test_asyncio_tasks_keep_their_own_context(self) -> None:
        @trace("py async")
        async def run(label: str, delay: float) -> str:
            with span("outer"):
                await asyncio.sleep(delay)
                async with span("inner") as inner:
                    await asyncio.sleep(delay)
                    assert continua.get_current_span() is inner
                    inner.set_output(label)
            return continua.get_current_trace().trace_id  # type: ignore[union-attr]

        async def main() -> list[str]:
            return await asyncio.gather(run("a", 0.03), run("b", 0.01))

        ids = asyncio.run(main())
        self.assertGreaterEqual(len(asyncio.run(self.client.flush_async())), 1)
        for tid, label in zip(ids, ["a", "b"]):
            spans = {s["name"]: s for s in find_trace(tid)["spans"]}
            self.assertEqual(spans["inner"]["parent_span_id"], spans["outer"]["span_id"])
            self.assertEqual(spans["inner"]["output"], label)

    def test_session_groups_traces(self) -> None:
        sid = f"py-session-{uuid.uuid4()}"
        with continua.session(sid, user_id="u-7", metadata={"channel": "cli"}, name="Py chat"):
            with trace("turn") as t1:
                pass
            with trace("turn") as t2:
                pass
        self.client.flush()
        for t in (t1, t2):
            stored = find_trace(t.trace_id)
            self.assertEqual(stored["session_external_id"], sid)
            self.assertEqual(stored["user_id"], "u-7")
            self.assertEqual(stored["metadata"]["channel"], "cli")

    def test_async_v2_mode_batch_ids_and_wait_for_batch(self) -> None:
        client = Continua.init(self.key, self.endpoint, ingest_mode="async_v2", flush_interval=0)
        with trace("py async batch") as t:
            with span("s"):
                pass
        ids = client.flush()
        self.assertEqual(len(ids), 1)
        status = continua.wait_for_batch(ids[0], timeout=20, poll_interval=0.2)
        self.assertEqual(status["status"], "completed")
        self.assertEqual(find_trace(t.trace_id)["status"], "COMPLETED")

    def test_exit_flushes_what_is_queued(self) -> None:
        name = f"py exit {uuid.uuid4()}"
        script = (
            "import continua\n"
            "continua.Continua.init(ingest_mode='sync', flush_interval=60)\n"
            f"with continua.trace({name!r}) as t:\n"
            "    print(t.trace_id)\n"
        )
        env = {**os.environ, "CONTINUA_API_KEY": self.key, "CONTINUA_ENDPOINT": self.endpoint}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, cwd=os.path.dirname(os.path.dirname(continua.__file__)))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(find_trace(done.stdout.strip())["status"], "COMPLETED")

    def test_env_config(self) -> None:
        with mock.patch.dict(os.environ, {"CONTINUA_API_KEY": self.key, "CONTINUA_ENDPOINT": self.endpoint, "CONTINUA_INGEST_MODE": "sync"}):
            client = Continua.init(flush_interval=0)
        self.assertEqual(client.endpoint, self.endpoint)
        self.assertEqual(client.ingest_mode, "sync")
        with mock.patch.dict(os.environ, {"CONTINUA_API_KEY": ""}):
            with self.assertRaises(ValueError):
                Continua(endpoint=self.endpoint)


class RetryTest(unittest.TestCase):
    def test_503_and_429_are_retried_honouring_retry_after(self) -> None:
        server = ScriptedServer([(503, {}, {"code": "unavailable", "message": "busy"}), (429, {"retry-after": "1"}, {"code": "rate_limited", "message": "slow down"})])
        failures: list[IngestFailure] = []
        try:
            client = Continua(api_key="k", endpoint=server.url, flush_interval=0, base_delay=0.01, max_delay=0.05, on_error=failures.append)
            client.ingest(traces=[{"trace_id": "t1"}])
            started = time.monotonic()
            ids = client.flush()
            self.assertGreaterEqual(time.monotonic() - started, 0.9, "waited for Retry-After")
            self.assertEqual(ids, ["00000000-0000-4000-8000-000000000001"])
            self.assertEqual(len(server.requests), 3)
            keys = {r[2]["batch_key"] for r in server.requests}
            self.assertEqual(len(keys), 1, "one batch key across the retries")
            self.assertEqual(failures, [])
            client.shutdown()
        finally:
            server.close()

    def test_final_failure_is_logged_and_reported_never_printed(self) -> None:
        server = ScriptedServer([(500, {}, {"code": "boom", "message": "down"})] * 3 + [(400, {}, {"code": "validation_error", "message": "traces[0].trace_id: bad"})])
        failures: list[IngestFailure] = []
        try:
            client = Continua(api_key="k", endpoint=server.url, flush_interval=0, max_retries=2, base_delay=0.01, max_delay=0.02, on_error=failures.append)
            out = io.StringIO()
            with contextlib.redirect_stdout(out), self.assertLogs("continua", level="ERROR") as logs:
                client.ingest(traces=[{"trace_id": "t1"}, {"trace_id": "t2"}])
                self.assertEqual(client.flush(), [])
                client.ingest(traces=[{"trace_id": "t3"}])
                client.flush()
            self.assertEqual(out.getvalue(), "", "nothing printed")
            self.assertEqual(len(server.requests), 4, "3 attempts, then a 400 that is not retried")
            self.assertEqual(len(failures), 2)
            self.assertEqual(len(failures[0].batch["traces"]), 2)
            self.assertIsInstance(failures[1].error, continua.ValidationError)
            self.assertTrue(any("not delivered" in line for line in logs.output))
            client.shutdown()
        finally:
            server.close()

    def test_413_splits_the_batch_in_halves(self) -> None:
        server = ScriptedServer([(413, {}, {"code": "payload_too_large", "message": "too big"})])
        failures: list[IngestFailure] = []
        try:
            client = Continua(api_key="k", endpoint=server.url, flush_interval=0, on_error=failures.append)
            client.ingest(traces=[{"trace_id": f"t{i}"} for i in range(5)])
            with self.assertLogs("continua", level="WARNING"):
                ids = client.flush()
            self.assertEqual(failures, [])
            self.assertEqual(len(ids), 2)
            sizes = [len(r[2]["traces"]) for r in server.requests]
            self.assertEqual(sizes, [5, 3, 2])
            self.assertEqual(len({r[2]["batch_key"] for r in server.requests}), 3, "each half has its own key")
            client.shutdown()
        finally:
            server.close()

    def test_sample_rate(self) -> None:
        client = Continua.init(api_key="k", endpoint="http://127.0.0.1:1", flush_interval=0, sample_rate=0.0)
        try:
            with continua.session("never", name="never sent"):
                with trace("sampled out"):
                    with span("inner") as s:
                        s.log("x").metric("m", 1)
            self.assertEqual(client.pending, 0)
            self.assertEqual(client.flush(), [])
            half = Continua.init(api_key="k", endpoint="http://127.0.0.1:1", flush_interval=0, sample_rate=0.5)
            for _ in range(200):
                with trace("coin"):
                    pass
            self.assertTrue(100 < half.pending < 300, half.pending)
            half._queue.clear()
            with self.assertRaises(ValueError):
                Continua(api_key="k", sample_rate=2)
        finally:
            Continua.init(api_key="k", endpoint="http://127.0.0.1:1", flush_interval=0).shutdown()

    def test_bounded_queue_reports_overflow(self) -> None:
        failures: list[IngestFailure] = []
        client = Continua(api_key="k", endpoint="http://127.0.0.1:1", flush_interval=0, max_queue_size=2, max_retries=0, on_error=failures.append)
        with self.assertLogs("continua", level="ERROR"):
            for i in range(3):
                client.enqueue("traces", {"trace_id": f"q{i}"})
        self.assertEqual(client.pending, 2)
        self.assertEqual(len(failures), 1)
        self.assertEqual(failures[0].error.code, "queue_full")  # type: ignore[attr-defined]
        with self.assertLogs("continua", level="ERROR"):
            client.shutdown()
        self.assertEqual(len(failures), 2, "the unreachable server is reported too")


if __name__ == "__main__":
    unittest.main()
