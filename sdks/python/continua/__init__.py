"""Continua SDK for Python: tracing for AI agent runs, engine control and remote activity workers.

Standard library only (urllib, threading, json, logging, contextvars).
"""

from .client import Continua, IngestFailure
from .engine import TERMINAL_STATUSES, EngineControlClient
from .errors import (
    AuthenticationError,
    ContinuaError,
    EngineRunContinuationDepthError,
    EngineRunNotFoundError,
    EngineRunNotTerminalError,
    EngineRunWaitTimeoutError,
    NetworkError,
    NonRetryableError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from .tracing import (
    SessionContext,
    SpanContext,
    TraceContext,
    decision,
    effect,
    error,
    exception,
    get_current_session,
    get_current_span,
    get_current_trace,
    log,
    metric,
    session,
    snapshot_marker,
    span,
    state_change,
    trace,
    wait,
)
from .worker import ActivityTaskContext, ActivityWorker

__version__ = "0.2.0"


def wait_for_batch(batch_id: str, timeout: float = 30.0, poll_interval: float = 1.0) -> dict:
    """``Continua.get_instance().wait_for_batch(...)``."""
    return Continua.get_instance().wait_for_batch(batch_id, timeout=timeout, poll_interval=poll_interval)


def flush() -> list[str]:
    """Flushes the process-wide client and returns the batch ids."""
    return Continua.get_instance().flush()


__all__ = [
    "ActivityTaskContext",
    "ActivityWorker",
    "AuthenticationError",
    "Continua",
    "ContinuaError",
    "EngineControlClient",
    "EngineRunContinuationDepthError",
    "EngineRunNotFoundError",
    "EngineRunNotTerminalError",
    "EngineRunWaitTimeoutError",
    "IngestFailure",
    "NetworkError",
    "NonRetryableError",
    "RateLimitError",
    "ServerError",
    "SessionContext",
    "SpanContext",
    "TERMINAL_STATUSES",
    "TraceContext",
    "ValidationError",
    "decision",
    "effect",
    "error",
    "exception",
    "flush",
    "get_current_session",
    "get_current_span",
    "get_current_trace",
    "log",
    "metric",
    "session",
    "snapshot_marker",
    "span",
    "state_change",
    "trace",
    "wait",
    "wait_for_batch",
]
