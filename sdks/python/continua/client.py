"""The ingest client: a bounded, thread-safe queue flushed in batches to POST /v1/ingest."""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Optional

from ._http import HttpConfig, default_endpoint, request_json
from .errors import ContinuaError

logger = logging.getLogger("continua")

INGEST_MODES = ("sync", "async", "async_v2", "server_default")
KINDS = ("sessions", "traces", "spans", "events")


@dataclass
class IngestFailure:
    """A batch that could not be delivered (after its retries, or refused outright)."""

    error: BaseException
    batch_key: str
    batch: dict[str, Any]


class Continua:
    """Process-wide client. Create it with :meth:`init`; fetch it with :meth:`get_instance`."""

    _instance: ClassVar[Optional["Continua"]] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        api_key: Optional[str] = None,
        endpoint: Optional[str] = None,
        *,
        batch_size: int = 100,
        flush_interval: float = 5.0,
        max_retries: int = 3,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        ingest_mode: Optional[str] = None,
        timeout: float = 30.0,
        max_queue_size: int = 10_000,
        on_error: Optional[Callable[[IngestFailure], None]] = None,
        sample_rate: float = 1.0,
        environment: Optional[str] = None,
        release: Optional[str] = None,
    ) -> None:
        api_key = api_key or os.environ.get("CONTINUA_API_KEY")
        if not api_key:
            raise ValueError("Continua: api_key is required (or set CONTINUA_API_KEY)")
        endpoint = endpoint or default_endpoint()
        mode = ingest_mode or os.environ.get("CONTINUA_INGEST_MODE") or "server_default"
        if mode not in INGEST_MODES:
            raise ValueError(f"Continua: ingest_mode must be one of {', '.join(INGEST_MODES)}")
        if batch_size < 1 or max_queue_size < 1:
            raise ValueError("Continua: batch_size and max_queue_size must be positive")
        self.endpoint = endpoint.rstrip("/")
        self.ingest_mode = "async" if mode == "async_v2" else mode
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_queue_size = max_queue_size
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError("Continua: sample_rate must be between 0 and 1")
        self.sample_rate = sample_rate
        self.on_error = on_error
        self.environment = environment
        self.release = release
        self.http = HttpConfig(self.endpoint, api_key, timeout=timeout, max_retries=max_retries, base_delay=base_delay, max_delay=max_delay)
        self._queue: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._sent_sessions: set[str] = set()
        self._thread: Optional[threading.Thread] = None
        if flush_interval > 0:
            self._thread = threading.Thread(target=self._run, name="continua-flush", daemon=True)
            self._thread.start()
        atexit.register(self.shutdown)

    # --- singleton ------------------------------------------------------------------------------

    @classmethod
    def init(cls, api_key: Optional[str] = None, endpoint: Optional[str] = None, **kwargs: Any) -> "Continua":
        """Creates the process-wide client; a previous one is flushed and shut down first."""
        with cls._instance_lock:
            previous = cls._instance
            cls._instance = None
        if previous is not None:
            previous.shutdown()
        client = cls(api_key, endpoint, **kwargs)
        with cls._instance_lock:
            cls._instance = client
        return client

    @classmethod
    def get_instance(cls) -> "Continua":
        if cls._instance is None:
            raise RuntimeError("Continua is not initialised: call Continua.init(api_key=...) first")
        return cls._instance

    @classmethod
    def current(cls) -> Optional["Continua"]:
        return cls._instance

    # --- queue ----------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def enqueue(self, kind: str, record: dict[str, Any]) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        try:
            # A snapshot as plain JSON: later mutation cannot change what is sent.
            snapshot = json.loads(json.dumps(record, default=str, allow_nan=False))
        except (TypeError, ValueError) as err:
            self._report(IngestFailure(err, "", {kind: [repr(record)[:500]]}))
            return
        with self._lock:
            if len(self._queue) >= self.max_queue_size:
                full = True
            else:
                full = False
                self._queue.append((kind, snapshot))
                if len(self._queue) >= self.batch_size:
                    self._wake.set()
        if full:
            err = ContinuaError(f"queue full ({self.max_queue_size} items): the record was not queued; the server may be unreachable", code="queue_full")
            self._report(IngestFailure(err, "", {kind: [snapshot]}))

    def ingest(
        self,
        traces: Optional[list[dict[str, Any]]] = None,
        spans: Optional[list[dict[str, Any]]] = None,
        events: Optional[list[dict[str, Any]]] = None,
        sessions: Optional[list[dict[str, Any]]] = None,
        flush: bool = False,
    ) -> list[str]:
        """Queues raw wire records; with ``flush=True`` sends now and returns the batch ids."""
        for kind, items in (("sessions", sessions), ("traces", traces), ("spans", spans), ("events", events)):
            for item in items or []:
                self.enqueue(kind, item)
        return self.flush() if flush else []

    def flush(self) -> list[str]:
        """Sends everything queued in batches of ``batch_size``; returns the server's batch ids."""
        ids: list[str] = []
        with self._flush_lock:
            while True:
                with self._lock:
                    items, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size :]
                if not items:
                    return ids
                self._send_items(items, ids)

    def _send_items(self, items: list[tuple[str, dict[str, Any]]], ids: list[str]) -> None:
        batch: dict[str, Any] = {"batch_key": str(uuid.uuid4())}
        for kind, record in items:
            batch.setdefault(kind, []).append(record)
        try:
            response = self.send(batch)
            if isinstance(response, dict) and response.get("batch_id"):
                ids.append(response["batch_id"])
        except Exception as err:  # reported, never raised into the application
            # Too large for the server's body limit: halve it (each half under a new key) until it fits.
            if isinstance(err, ContinuaError) and err.status == 413 and len(items) > 1:
                logger.warning("a batch of %d records exceeds the server's body limit; sending it in halves", len(items))
                mid = (len(items) + 1) // 2
                self._send_items(items[:mid], ids)
                self._send_items(items[mid:], ids)
                return
            self._report(IngestFailure(err, batch["batch_key"], batch))

    def send(self, batch: dict[str, Any]) -> Any:
        """One request for one batch, retried per the policy; raises when it finally fails."""
        path = "/v1/ingest?sync=true" if self.ingest_mode == "sync" else "/v1/ingest"
        headers = {"x-continua-async-version": "2"} if self.ingest_mode == "async" else {}
        _, body = request_json(self.http, "POST", path, batch, headers=headers)
        return body

    def _report(self, failure: IngestFailure) -> None:
        counts = ", ".join(f"{len(failure.batch[k])} {k}" for k in KINDS if failure.batch.get(k))
        logger.error("batch %s with %s was not delivered: %s", failure.batch_key or "(not queued)", counts, failure.error)
        if self.on_error is not None:
            try:
                self.on_error(failure)
            except Exception:
                logger.exception("on_error callback raised")

    def wait_for_batch(self, batch_id: str, timeout: float = 30.0, poll_interval: float = 1.0) -> dict[str, Any]:
        """Polls GET /v1/ingest/batches/{id} until completed or failed; raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            _, body = request_json(self.http, "GET", f"/v1/ingest/batches/{batch_id}")
            if body.get("status") in ("completed", "failed"):
                return body
            if time.monotonic() >= deadline:
                raise TimeoutError(f"batch {batch_id} still {body.get('status')} after {timeout}s")
            time.sleep(poll_interval)

    async def flush_async(self) -> list[str]:
        """flush() for asyncio code: runs on a worker thread, so the event loop keeps going."""
        return await asyncio.to_thread(self.flush)

    async def wait_for_batch_async(self, batch_id: str, timeout: float = 30.0, poll_interval: float = 1.0) -> dict[str, Any]:
        return await asyncio.to_thread(self.wait_for_batch, batch_id, timeout, poll_interval)

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self._stopped.is_set():
                break
            try:
                self.flush()
            except Exception:
                logger.exception("background flush failed")

    def shutdown(self) -> list[str]:
        """Stops the background thread and flushes what is left (also run at exit)."""
        self._stopped.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        ids = self.flush()
        try:
            atexit.unregister(self.shutdown)
        except Exception:
            pass
        return ids

    # --- sessions -------------------------------------------------------------------------------

    def sampled(self) -> bool:
        """Whether a new trace is recorded (decided once per trace; its spans and events follow)."""
        return self.sample_rate >= 1.0 or random.random() < self.sample_rate

    def _announce_session(self, session_id: str, name: Optional[str], user_id: Optional[str], metadata: Optional[dict[str, Any]]) -> None:
        if not (name or user_id or metadata) or session_id in self._sent_sessions:
            return
        self._sent_sessions.add(session_id)
        record: dict[str, Any] = {"session_id": session_id}
        if name:
            record["name"] = name
        if user_id:
            record["user_id"] = user_id
        if metadata:
            record["metadata"] = dict(metadata)
        self.enqueue("sessions", record)
