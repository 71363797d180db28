"""EngineControlClient and ActivityWorker against the live server and a workflow worker running
test/sdk/workflows.fixture.ts (whose sdk-remote-greeting activity is served from here)."""

from __future__ import annotations

import asyncio
import threading
import time
import unittest
import uuid
from typing import Any

from continua import ActivityTaskContext, ActivityWorker, EngineControlClient, EngineRunNotTerminalError, NonRetryableError

from .live import ScriptedServer, live_config, wait_until


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class EngineControlTest(unittest.TestCase):
    def setUp(self) -> None:
        endpoint, key = live_config()
        self.client = EngineControlClient(key, endpoint)

    def status(self, run_id: str) -> str:
        return self.client.get_run(run_id)["status"]

    def test_signal_suspend_resume_result_history(self) -> None:
        key = unique("py-appr")
        started = self.client.start(instance_key=key, definition_name="sdk-approval", definition_version="1", input={"timeout": "1h"})
        self.assertEqual(self.client.start(instance_key=key, definition_name="sdk-approval", definition_version="1", input={"timeout": "1h"}), started)
        run_id = started["run_id"]
        wait_until("WAITING", lambda: self.status(run_id) == "WAITING")
        with self.assertRaises(EngineRunNotTerminalError):
            self.client.get_result(run_id)
        self.assertEqual(self.client.get_pending_work(run_id)["current_wait"]["kind"], "signal")
        self.assertEqual(self.client.suspend(run_id)["status"], "SUSPENDED")
        self.assertNotEqual(self.client.resume(run_id)["status"], "SUSPENDED")
        keyed = self.client.signal(run_id, "approve", {"ok": True}, request_key="approve-1")
        self.assertTrue(keyed["accepted"])
        done = self.client.wait_for_terminal(run_id, timeout=20, poll_interval=0.1)
        self.assertEqual(done["status"], "COMPLETED")
        # The same key after the run ended replays the first answer instead of refusing.
        self.assertEqual(self.client.signal(run_id, "approve", {"ok": True}, request_key="approve-1"), keyed)
        self.assertEqual(self.client.get_result(run_id)["result"], "approved")
        history = self.client.get_history(run_id, limit=2)
        self.assertEqual(len(history["events"]), 2)
        self.assertTrue(history["has_more"])
        self.assertEqual(self.client.get_instance(key)["instance_key"], key)
        listed = self.client.list_runs(instance_key=key)
        self.assertEqual([r["run_id"] for r in listed["runs"]], [run_id])

    def test_cancel_and_terminate(self) -> None:
        c = self.client.start(instance_key=unique("py-cancel"), definition_name="sdk-cancellable", definition_version="1")
        wait_until("WAITING", lambda: self.status(c["run_id"]) == "WAITING")
        self.client.cancel(c["run_id"])
        self.assertEqual(self.client.wait_for_terminal(c["run_id"], timeout=20, poll_interval=0.1)["status"], "CANCELLED")
        k = self.client.start(instance_key=unique("py-term"), definition_name="sdk-approval", definition_version="1", input={"timeout": "1h"})
        wait_until("WAITING", lambda: self.status(k["run_id"]) == "WAITING")
        self.assertEqual(self.client.terminate(k["run_id"])["status"], "TERMINATED")

    def test_purge_repair_and_backfill(self) -> None:
        k = self.client.start(instance_key=unique("py-purge"), definition_name="sdk-approval", definition_version="1", input={"timeout": "1h"})
        run_id = k["run_id"]
        wait_until("WAITING", lambda: self.status(run_id) == "WAITING")
        self.client.terminate(run_id)
        purged = self.client.purge(run_id, "projection_only")
        self.assertEqual(purged["run_id"], run_id)
        self.assertEqual(purged["mode"], "projection_only")
        self.assertEqual(purged["projection_state"], "summary_only")
        repaired = self.client.repair(run_id)
        self.assertEqual(repaired["run_id"], run_id)
        self.assertIn("accepted", repaired)
        preview = self.client.backfill_projections(dry_run=True, limit=5)
        self.assertTrue(preview["dry_run"])
        self.assertIn("results", preview)

    def test_wait_for_terminal_follows_continue_as_new(self) -> None:
        first = self.client.start(instance_key=unique("py-count"), definition_name="sdk-counter", definition_version="1", input={"left": 2, "got": []})["run_id"]
        wait_until("WAITING", lambda: self.status(first) == "WAITING")
        self.client.signal(first, "tick", "a")
        nxt = wait_until("continuation", lambda: self.client.get_run(first).get("continued_to_run_id"))
        wait_until("WAITING", lambda: self.status(nxt) == "WAITING")
        self.client.signal(nxt, "tick", "b")
        last = self.client.wait_for_terminal(first, timeout=20, poll_interval=0.1, follow_continuations=True)
        self.assertEqual(last["run_id"], nxt)
        self.assertEqual(last["result"], ["a", "b"])
        self.assertEqual(self.client.wait_for_terminal(first, timeout=5)["status"], "CONTINUED_AS_NEW")


class CountingWorker(ActivityWorker):
    beats = 0

    def _heartbeat(self, task_id: str, ctx: ActivityTaskContext) -> None:
        CountingWorker.beats += 1
        super()._heartbeat(task_id, ctx)


class ActivityWorkerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.endpoint, self.key = live_config()
        self.client = EngineControlClient(self.key, self.endpoint)

    def start_greeting(self, name: str) -> str:
        return self.client.start(instance_key=unique(f"py-greet-{name}"), definition_name="sdk-remote-greeting", definition_version="1", input={"name": name})["run_id"]

    def run_worker(self, worker: ActivityWorker) -> threading.Thread:
        thread = threading.Thread(target=worker.run, kwargs={"install_signal_handlers": False}, daemon=True)
        thread.start()
        return thread

    def test_sync_handler_heartbeats_retries_and_non_retryable(self) -> None:
        attempts: dict[str, int] = {}
        worker = CountingWorker(self.key, self.endpoint, poll_interval=0.05, heartbeat_interval=0.1)

        @worker.activity("compose-greeting")
        def greet(payload: dict[str, Any], ctx: ActivityTaskContext) -> str:
            name = payload["name"]
            attempts[name] = attempts.get(name, 0) + 1
            if name == "slow":
                time.sleep(0.8)
            if name == "flaky" and attempts[name] == 1:
                raise RuntimeError("upstream hiccup")
            if name == "hopeless":
                raise NonRetryableError("cannot greet", "bad_name")
            return f"hello {name} from {ctx.activity_type}"

        thread = self.run_worker(worker)
        try:
            runs = [self.start_greeting(n) for n in ("slow", "flaky", "hopeless")]
            results = [self.client.wait_for_terminal(r, timeout=20, poll_interval=0.1) for r in runs]
            self.assertEqual([r["status"] for r in results], ["COMPLETED", "COMPLETED", "FAILED"])
            self.assertEqual(results[0]["result"], "hello slow from compose-greeting")
            self.assertEqual(attempts["flaky"], 2)
            self.assertEqual(attempts["hopeless"], 1)
            self.assertGreaterEqual(CountingWorker.beats, 3)
        finally:
            worker.stop()
            thread.join(timeout=10)
            worker.close()

    def test_async_handler_and_graceful_stop(self) -> None:
        worker = ActivityWorker(self.key, self.endpoint, poll_interval=0.05)
        started = threading.Event()

        @worker.activity("compose-greeting")
        async def greet(payload: dict[str, Any]) -> str:
            started.set()
            await asyncio.sleep(0.3)
            return f"async hello {payload['name']}"

        thread = self.run_worker(worker)
        run_id = self.start_greeting("aio")
        self.assertTrue(started.wait(20))
        worker.stop()  # waits for the running task
        thread.join(timeout=10)
        self.assertEqual(worker.stats["completed"], 1)
        self.assertEqual(self.client.wait_for_terminal(run_id, timeout=20, poll_interval=0.1)["result"], "async hello aio")
        worker.close()


class HeartbeatScheduleTest(unittest.TestCase):
    def test_heartbeats_stay_under_a_third_of_the_granted_lease(self) -> None:
        task = {"task_id": "00000000-0000-4000-8000-00000000000a", "activity_key": "k", "activity_type": "t", "input": {}, "effective_lease_duration_ms": 600}
        server = ScriptedServer([(200, {}, {"tasks": [task]})])
        try:
            worker = ActivityWorker("k", server.url, poll_interval=0.05, heartbeat_interval=60)
            worker.register("t", lambda payload: time.sleep(1.2) or "ok")
            self.assertEqual(worker.poll_once(), 1)
            self.assertTrue(worker.wait_for_idle(10))
            worker.close()
            beats = [p for _, p, _ in server.requests if p.endswith("/heartbeat")]
            # Asked for 60 s, the worker beats every 150 ms (a quarter of the 600 ms lease).
            self.assertGreaterEqual(len(beats), 4, "a 600 ms lease gets frequent beats")
            self.assertTrue(server.requests[-1][1].endswith("/complete"))
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
