"""Client for the engine control plane, /v1/engine/*. Responses are the server's JSON (dicts)."""

from __future__ import annotations

import os
import time
import urllib.parse
from typing import Any, Optional

from ._http import HttpConfig, default_endpoint, request_json
from .errors import (
    ContinuaError,
    EngineRunContinuationDepthError,
    EngineRunNotFoundError,
    EngineRunNotTerminalError,
    EngineRunWaitTimeoutError,
)

TERMINAL_STATUSES = ("COMPLETED", "FAILED", "CANCELLED", "TERMINATED", "CONTINUED_AS_NEW")


def _q(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


class EngineControlClient:
    def __init__(self, api_key: Optional[str] = None, endpoint: Optional[str] = None, *, project_id: Optional[str] = None, timeout: float = 30.0, max_retries: int = 3) -> None:
        self.http = HttpConfig(
            (endpoint or default_endpoint()).rstrip("/"),
            api_key or os.environ.get("CONTINUA_API_KEY"),
            timeout=timeout,
            max_retries=max_retries,
            base_delay=0.25,
            max_delay=5.0,
            # Optional and deprecated on the server; sent for older servers that still expect it.
            headers={"x-continua-engine-preview": "1"},
        )
        self.project_id = project_id

    def _call(self, method: str, path: str, body: Any = None, *, retry: bool = True) -> Any:
        if self.project_id:
            path += ("&" if "?" in path else "?") + "project_id=" + _q(self.project_id)
        try:
            return request_json(self.http, method, path, body, retry=retry)[1]
        except ContinuaError as err:
            if err.code == "run_not_found":
                raise EngineRunNotFoundError(str(err), status=err.status, code=err.code, body=err.body) from None
            if err.code == "run_not_terminal":
                raise EngineRunNotTerminalError(str(err), status=err.status, code=err.code, body=err.body) from None
            raise

    def start(self, request: Any = None, **fields: Any) -> dict[str, Any]:
        """Starts a run: ``instance_key``, ``definition_name``, ``definition_version``, ``request_key`` (default: the instance key), ``input``, ``session``, ``trace``."""
        if request is not None and hasattr(request, "model_dump"):  # a pydantic model, as the reference SDK took
            request = request.model_dump(exclude_none=True)
        body = {**(request or {}), **fields}
        body.setdefault("request_key", body.get("instance_key"))
        body.setdefault("input", None)
        return self._call("POST", "/v1/engine/runs", body)

    def get_run(self, run_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/engine/runs/{_q(run_id)}")

    def get_instance(self, instance_key: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/engine/instances/{_q(instance_key)}")

    def get_result(self, run_id: str) -> dict[str, Any]:
        """The terminal result; raises EngineRunNotTerminalError while the run is live."""
        return self._call("GET", f"/v1/engine/runs/{_q(run_id)}/result")

    def get_history(self, run_id: str, after: Optional[int] = None, limit: Optional[int] = None) -> dict[str, Any]:
        params = {k: v for k, v in (("after", after), ("limit", limit)) if v is not None}
        qs = ("?" + urllib.parse.urlencode(params)) if params else ""
        return self._call("GET", f"/v1/engine/runs/{_q(run_id)}/history{qs}")

    def get_pending_work(self, run_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/engine/runs/{_q(run_id)}/pending-work")

    def list_runs(self, **filters: Any) -> dict[str, Any]:
        """``status``, ``definition_name``, ``instance_key``, ``limit``, ``cursor``; answers ``{runs, next_cursor}``."""
        params = {k: v for k, v in filters.items() if v is not None}
        return self._call("GET", "/v1/engine/runs" + (("?" + urllib.parse.urlencode(params)) if params else ""))

    def list_definitions(self) -> dict[str, Any]:
        return self._call("GET", "/v1/engine/definitions")

    def signal(self, run_id: str, name: str, payload: Any = None, request_key: str | None = None) -> dict[str, Any]:
        # Without a request key a lost answer could deliver the signal twice, so only keyed
        # signals are retried: the server delivers a key once and replays its first answer.
        body: dict[str, Any] = {"signal_name": name, "payload": payload}
        if request_key is not None:
            body["request_key"] = request_key
        return self._call("POST", f"/v1/engine/runs/{_q(run_id)}/signal", body, retry=request_key is not None)

    def cancel(self, run_id: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/engine/runs/{_q(run_id)}/cancel", {})

    def terminate(self, run_id: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/engine/runs/{_q(run_id)}/terminate", {})

    def suspend(self, run_id: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/engine/runs/{_q(run_id)}/suspend", {})

    def resume(self, run_id: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/engine/runs/{_q(run_id)}/resume", {})

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/v1/engine/health")

    # The reference's projection maintenance calls. A server without these routes answers 404,
    # raised as ContinuaError(status=404).
    def purge(self, run_id: str, mode: str = "projection_only") -> dict[str, Any]:
        return self._call("POST", f"/v1/engine/runs/{_q(run_id)}/purge", {"mode": mode})

    def repair(self, run_id: str) -> dict[str, Any]:
        return self._call("POST", f"/v1/engine/runs/{_q(run_id)}/repair", {})

    def backfill_projections(self, **filters: Any) -> dict[str, Any]:
        return self._call("POST", "/v1/engine/projections/backfill", {k: v for k, v in filters.items() if v is not None})

    def backfill_projections_all(self, max_pages: int = 100, **filters: Any) -> dict[str, Any]:
        """Repeats backfill_projections until a page requests nothing more; sums the counts."""
        total: dict[str, Any] = {"eligible_count": 0, "repair_requested_count": 0, "skipped_count": 0, "results": []}
        for _ in range(max_pages):
            page = self.backfill_projections(**filters)
            for key in ("eligible_count", "repair_requested_count", "skipped_count"):
                total[key] += int(page.get(key) or 0)
            total["results"] += page.get("results") or []
            if filters.get("dry_run") or not page.get("repair_requested_count"):
                break
        return total

    def wait_for_terminal(
        self,
        run_id: str,
        timeout: float = 60.0,
        poll_interval: float = 1.0,
        follow_continuations: bool = False,
        max_continuations: int = 32,
    ) -> dict[str, Any]:
        """Polls the run until it is terminal; with ``follow_continuations`` follows continue-as-new."""
        deadline = time.monotonic() + timeout
        current, hops = run_id, 0
        while True:
            run = self.get_run(current)
            if run.get("status") == "CONTINUED_AS_NEW" and follow_continuations and run.get("continued_to_run_id"):
                hops += 1
                if hops > max_continuations:
                    raise EngineRunContinuationDepthError(f"run {run_id} continued as new more than {max_continuations} times", code="continuation_depth")
                current = run["continued_to_run_id"]
                continue
            if run.get("status") in TERMINAL_STATUSES:
                return run
            if time.monotonic() >= deadline:
                raise EngineRunWaitTimeoutError(f"run {current} is still {run.get('status')} after {timeout}s", code="timeout")
            time.sleep(poll_interval)
