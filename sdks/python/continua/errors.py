"""Exceptions raised by the SDK. Names match the reference SDK's."""

from __future__ import annotations

from typing import Any


class ContinuaError(Exception):
    """Base class. ``status`` is the HTTP status (0 when no answer arrived), ``code`` the server's error code."""

    def __init__(self, message: str, *, status: int = 0, code: str = "error", body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.body = body


class AuthenticationError(ContinuaError):
    """401: missing or invalid API key."""


class ValidationError(ContinuaError):
    """400: the server refused the request; ``details`` lists every problem."""

    @property
    def details(self) -> list[Any]:
        return list(self.body.get("details", [])) if isinstance(self.body, dict) else []


class RateLimitError(ContinuaError):
    """429 that was still refused after the retries; ``retry_after`` in seconds when the server said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class NetworkError(ContinuaError):
    """No answer (connection refused, reset, timeout) after ``retry_count`` retries."""

    def __init__(self, message: str, *, retry_count: int = 0, cause: BaseException | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_count = retry_count
        self.cause = cause


class ServerError(ContinuaError):
    """5xx that persisted through the retries."""


class EngineRunNotFoundError(ContinuaError):
    """404 run_not_found."""


class EngineRunNotTerminalError(ContinuaError):
    """409 run_not_terminal: the run has no result yet."""


class EngineRunWaitTimeoutError(ContinuaError, TimeoutError):
    """wait_for_terminal gave up before the run finished."""


class EngineRunContinuationDepthError(ContinuaError):
    """wait_for_terminal followed more continue-as-new hops than allowed."""


class NonRetryableError(Exception):
    """Raise from an activity handler to fail the task without retries."""

    def __init__(self, message: str, code: str = "non_retryable_error") -> None:
        super().__init__(message)
        self.code = code
