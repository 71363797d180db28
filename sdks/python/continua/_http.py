"""HTTP over urllib with bounded retries.

Connection errors, timeouts, 5xx and 429 are retried with exponential backoff and jitter; a
Retry-After header sets the wait. Other 4xx answers are final and raised at once.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Optional

from .errors import AuthenticationError, ContinuaError, NetworkError, RateLimitError, ServerError, ValidationError

logger = logging.getLogger("continua")


@dataclass
class HttpConfig:
    endpoint: str
    api_key: Optional[str]
    timeout: float = 30.0
    max_retries: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0
    headers: dict[str, str] = field(default_factory=dict)


def default_endpoint() -> str:
    """CONTINUA_ENDPOINT, else CONTINUA_API_URL (what the CLI reads), else http://localhost:8080."""
    return os.environ.get("CONTINUA_ENDPOINT") or os.environ.get("CONTINUA_API_URL") or "http://localhost:8080"


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential, capped, with half-range jitter."""
    ceiling = min(cap, base * (2**attempt))
    return ceiling / 2 + random.random() * ceiling / 2


def _error_for(status: int, body: Any, text: str, method: str, path: str, retry_after: Optional[float]) -> ContinuaError:
    code = body.get("code") if isinstance(body, dict) else None
    message = (body.get("message") or body.get("error")) if isinstance(body, dict) else None
    msg = f"{method} {path} answered {status}{' ' + code if code else ''}: {message or text[:300]}"
    kw: dict[str, Any] = {"status": status, "code": code or f"http_{status}", "body": body}
    if status == 400:
        return ValidationError(msg, **kw)
    if status == 401:
        return AuthenticationError(msg, **kw)
    if status == 429:
        return RateLimitError(msg, retry_after=retry_after, **kw)
    if status >= 500:
        return ServerError(msg, **kw)
    return ContinuaError(msg, **kw)


def request_json(
    config: HttpConfig,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: Optional[dict[str, str]] = None,
    retry: bool = True,
) -> tuple[int, Any]:
    """Sends one request (retried per the config) and returns (status, parsed body)."""
    url = config.endpoint.rstrip("/") + path
    all_headers = {"accept": "application/json", "user-agent": "continua-sdk-python", **config.headers, **(headers or {})}
    if config.api_key:
        all_headers["x-api-key"] = config.api_key
    # Encoded once so every retry sends the same bytes (the server hashes batch bodies).
    data = None
    if body is not None:
        data = json.dumps(body, default=str, allow_nan=False).encode("utf-8")
        all_headers["content-type"] = "application/json"
    max_retries = config.max_retries if retry else 0
    last: Optional[ContinuaError] = None
    for attempt in range(max_retries + 1):
        wait: Optional[float] = None
        req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=config.timeout) as res:
                text = res.read().decode("utf-8")
                return res.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            try:
                parsed: Any = json.loads(text) if text else None
            except ValueError:
                parsed = text
            wait = parse_retry_after(err.headers.get("retry-after") if err.headers else None)
            last = _error_for(err.code, parsed, text, method, path, wait)
            if not (err.code == 429 or err.code >= 500):
                raise last from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as err:
            reason = getattr(err, "reason", err)
            last = NetworkError(f"{method} {path} failed: {reason}", retry_count=attempt, cause=err, code="network_error")
        if attempt < max_retries:
            delay = min(wait, 300.0) if wait is not None else backoff_delay(attempt, config.base_delay, config.max_delay)
            logger.debug("retrying %s %s in %.2fs after: %s", method, path, delay, last)
            time.sleep(delay)
    assert last is not None
    raise last
