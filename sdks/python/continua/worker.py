"""A remote activity worker: claims tasks for its registered types, heartbeats each at under a
third of its lease, completes or fails it, and shuts down gracefully. Handlers may be plain
functions (run in a thread pool) or ``async def`` coroutines (run on a private event loop).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ._http import HttpConfig, default_endpoint, request_json
from .errors import ContinuaError, NonRetryableError

MAX_ERROR_MESSAGE = 4096


@dataclass
class ActivityTaskContext:
    task_id: str
    activity_key: str
    activity_type: str
    worker_id: str
    lost_lease: threading.Event = field(default_factory=threading.Event)
    cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def should_stop(self) -> bool:
        return self.lost_lease.is_set() or self.cancelled.is_set()


Handler = Callable[..., Any]


def _duration_seconds(value: str) -> float:
    value = value.strip()
    for suffix, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


class ActivityWorker:
    def __init__(
        self,
        api_key: Optional[str] = None,
        endpoint: Optional[str] = None,
        worker_id: Optional[str] = None,
        poll_interval: float = 1.0,
        concurrency_limit: int = 5,
        lease_duration: str = "60s",
        heartbeat_interval: Optional[float] = None,
        shutdown_timeout: float = 30.0,
        client: Optional[HttpConfig] = None,
        logger: Optional[logging.Logger] = None,
    ) -> None:
        self.worker_id = worker_id or f"py-{uuid.uuid4()}"
        self.http = client or HttpConfig(
            (endpoint or default_endpoint()).rstrip("/"),
            api_key or os.environ.get("CONTINUA_API_KEY"),
            max_retries=3,
            base_delay=0.25,
            max_delay=5.0,
        )
        self.poll_interval = poll_interval
        self.concurrency_limit = concurrency_limit
        self.lease_duration = lease_duration
        self.heartbeat_interval = heartbeat_interval
        self.shutdown_timeout = shutdown_timeout
        self.logger = logger or logging.getLogger("continua.worker")
        self.handlers: dict[str, Handler] = {}
        self.stats = {"completed": 0, "failed": 0, "lease_lost": 0}
        self._pool = ThreadPoolExecutor(max_workers=concurrency_limit, thread_name_prefix="continua-activity")
        self._running: dict[str, tuple[Future[None], ActivityTaskContext]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._loop_thread: Optional[threading.Thread] = None

    # --- registration ---------------------------------------------------------------------------

    def register(self, activity_type: str, fn: Handler) -> "ActivityWorker":
        if not activity_type:
            raise ValueError("activity type must not be empty")
        self.handlers[activity_type] = fn
        return self

    def activity(self, activity_type: str) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.register(activity_type, fn)
            return fn

        return decorate

    # --- loop -----------------------------------------------------------------------------------

    @property
    def active_tasks(self) -> int:
        with self._lock:
            return len(self._running)

    def poll_once(self) -> int:
        """Claims up to the free slots and starts the claimed tasks; returns how many."""
        free = self.concurrency_limit - self.active_tasks
        if free <= 0 or self._stop.is_set() or not self.handlers:
            return 0
        _, body = request_json(
            self.http,
            "POST",
            "/v1/engine/activities/claim",
            {"worker_id": self.worker_id, "activity_types": list(self.handlers), "lease_duration": self.lease_duration, "max_tasks": min(free, 50)},
        )
        tasks = body.get("tasks", [])
        for task in tasks:
            ctx = ActivityTaskContext(task["task_id"], task["activity_key"], task["activity_type"], self.worker_id)
            with self._lock:
                fut = self._pool.submit(self._execute, task, ctx)
                self._running[task["task_id"]] = (fut, ctx)
            fut.add_done_callback(lambda _f, tid=task["task_id"]: self._done(tid))
        return len(tasks)

    def _done(self, task_id: str) -> None:
        with self._lock:
            self._running.pop(task_id, None)
        self._wake.set()

    def run(self, install_signal_handlers: bool = True) -> None:
        """Blocks, claiming and running tasks until :meth:`stop` (or SIGINT/SIGTERM)."""
        self._stop.clear()
        previous: dict[int, Any] = {}
        if install_signal_handlers and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, lambda *_: self.stop(wait=False))
        try:
            while not self._stop.is_set():
                claimed = 0
                try:
                    claimed = self.poll_once()
                except ContinuaError as err:
                    self.logger.warning("claim failed: %s", err)
                if self._stop.is_set():
                    break
                if claimed == 0 or self.active_tasks >= self.concurrency_limit:
                    self._wake.wait(self.poll_interval)
                    self._wake.clear()
            self._drain()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self, wait: bool = True) -> None:
        """Stops claiming; with ``wait`` also waits (up to shutdown_timeout) for running tasks."""
        self._stop.set()
        self._wake.set()
        if wait:
            self._drain()

    def wait_for_idle(self, timeout: float = 30.0) -> bool:
        with self._lock:
            futures = [f for f, _ in self._running.values()]
        from concurrent.futures import wait as wait_futures

        _, not_done = wait_futures(futures, timeout=timeout)
        return not not_done

    def _drain(self) -> None:
        if not self.wait_for_idle(self.shutdown_timeout):
            with self._lock:
                left = list(self._running.values())
            self.logger.warning("%d task(s) still running after %.0fs; signalling them to stop (their leases will expire and the tasks be retried)", len(left), self.shutdown_timeout)
            for _, ctx in left:
                ctx.cancelled.set()

    def close(self) -> None:
        self.stop(wait=True)
        self._pool.shutdown(wait=False)
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            if self._loop_thread is not None:
                self._loop_thread.join(timeout=5)
            if not loop.is_running():
                loop.close()

    def __enter__(self) -> "ActivityWorker":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- one task -------------------------------------------------------------------------------

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="continua-activity-loop", daemon=True)
                thread.start()
                self._loop, self._loop_thread = loop, thread
            return self._loop

    def _invoke(self, handler: Handler, task_input: Any, ctx: ActivityTaskContext) -> Any:
        try:
            wants_ctx = len(inspect.signature(handler).parameters) >= 2
        except (TypeError, ValueError):
            wants_ctx = False
        args = (task_input, ctx) if wants_ctx else (task_input,)
        if inspect.iscoroutinefunction(handler):
            return asyncio.run_coroutine_threadsafe(handler(*args), self._event_loop()).result()
        result = handler(*args)
        if inspect.isawaitable(result):
            async def _await() -> Any:
                return await result

            return asyncio.run_coroutine_threadsafe(_await(), self._event_loop()).result()
        return result

    def _heartbeat_period(self, lease_ms: int) -> float:
        lease = lease_ms / 1000.0
        period = self.heartbeat_interval if self.heartbeat_interval is not None else lease / 4
        # Always under a third of the lease, so two beats can be lost before it expires.
        return max(0.05, min(period, lease / 3 - 0.001))

    def _heartbeat(self, task_id: str, ctx: ActivityTaskContext) -> None:
        try:
            request_json(self.http, "POST", f"/v1/engine/activities/{task_id}/heartbeat", {"worker_id": self.worker_id})
        except ContinuaError as err:
            if err.status in (404, 409):
                ctx.lost_lease.set()
                self.logger.warning("task %s lost its lease (%s)", task_id, err.code)
            else:
                self.logger.warning("heartbeat for task %s failed: %s", task_id, err)

    def _execute(self, task: dict[str, Any], ctx: ActivityTaskContext) -> None:
        task_id = task["task_id"]
        period = self._heartbeat_period(int(task.get("effective_lease_duration_ms") or 60_000))
        done = threading.Event()

        def beat() -> None:
            # Beats on a fixed schedule, so slow heartbeat requests do not stretch the period.
            next_at = time.monotonic() + period
            while not done.wait(max(0.0, next_at - time.monotonic())):
                if ctx.lost_lease.is_set():
                    return
                self._heartbeat(task_id, ctx)
                next_at += period

        beater = threading.Thread(target=beat, name=f"continua-heartbeat-{task_id[:8]}", daemon=True)
        beater.start()
        output: Any = None
        failure: Optional[BaseException] = None
        try:
            handler = self.handlers.get(task["activity_type"])
            if handler is None:
                raise NonRetryableError(f"no handler registered for {task['activity_type']}", "activity_not_registered")
            output = self._invoke(handler, task.get("input"), ctx)
        except BaseException as err:  # noqa: BLE001 - every failure is reported to the server
            failure = err
        finally:
            done.set()
            beater.join(timeout=5)
        if ctx.lost_lease.is_set():
            self.stats["lease_lost"] += 1
            self.logger.warning("task %s lost its lease; its result is discarded", task_id)
            return
        try:
            if failure is None:
                request_json(self.http, "POST", f"/v1/engine/activities/{task_id}/complete", {"worker_id": self.worker_id, "output": output})
                self.stats["completed"] += 1
            else:
                non_retryable = isinstance(failure, NonRetryableError)
                code = failure.code if isinstance(failure, NonRetryableError) else (str(getattr(failure, "code", "")) or "activity_error")
                message = (str(failure) or type(failure).__name__)[:MAX_ERROR_MESSAGE]
                request_json(
                    self.http,
                    "POST",
                    f"/v1/engine/activities/{task_id}/fail",
                    {"worker_id": self.worker_id, "error_code": code[:128], "error_message": message, "non_retryable": non_retryable},
                )
                self.stats["failed"] += 1
        except ContinuaError as err:
            if err.status in (404, 409):
                self.stats["lease_lost"] += 1
                self.logger.warning("task %s: the server no longer accepts this worker's outcome (%s)", task_id, err.code)
            else:
                self.logger.error("task %s: reporting the outcome failed: %s", task_id, err)
