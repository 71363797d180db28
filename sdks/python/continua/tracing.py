"""Traces, spans and sessions, carried by contextvars (so they follow threads' contexts and asyncio tasks).

Each trace and span is sent when it starts (status ``running``, so live work is visible) and
again when it ends, with everything set in between.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional, Sequence, TypeVar, Union, overload

from . import events as ev
from .client import Continua

logger = logging.getLogger("continua")

F = TypeVar("F", bound=Callable[..., Any])

SPAN_TYPES = ("default", "llm", "tool", "agent", "chain", "retrieval", "embedding", "generation", "evaluator", "guardrail")

_session: contextvars.ContextVar[Optional["SessionContext"]] = contextvars.ContextVar("continua_session", default=None)
_trace: contextvars.ContextVar[Optional["TraceContext"]] = contextvars.ContextVar("continua_trace", default=None)
_span: contextvars.ContextVar[Optional["SpanContext"]] = contextvars.ContextVar("continua_span", default=None)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


_warned_uninitialised = False


def _client() -> Optional[Continua]:
    global _warned_uninitialised
    client = Continua.current()
    if client is None and not _warned_uninitialised:
        _warned_uninitialised = True
        logger.warning("Continua is not initialised; tracing data is not recorded (call Continua.init first)")
    return client


def get_current_trace() -> Optional["TraceContext"]:
    return _trace.get()


def get_current_span() -> Optional["SpanContext"]:
    return _span.get()


def get_current_session() -> Optional["SessionContext"]:
    return _session.get()


class _Decorating:
    """Lets a context class also decorate sync and async functions (a fresh copy per call)."""

    def _fresh(self, fn: Callable[..., Any]) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, fn: F) -> F:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                async with self._fresh(fn) as ctx:
                    result = await fn(*args, **kwargs)
                    ctx._auto_output(result)
                    return result

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh(fn) as ctx:
                result = fn(*args, **kwargs)
                ctx._auto_output(result)
                return result

        return wrapper  # type: ignore[return-value]


class SessionContext:
    """Groups the traces started inside it under one session id (client-side only)."""

    def __init__(self, session_id: Optional[str] = None, *, user_id: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None, name: Optional[str] = None) -> None:
        self.session_id = session_id or str(uuid.uuid4())
        self.user_id = user_id
        self.name = name
        self.metadata = dict(metadata or {})
        self._token: Optional[contextvars.Token[Optional[SessionContext]]] = None

    def __enter__(self) -> "SessionContext":
        self._token = _session.set(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._token is not None:
            _session.reset(self._token)
            self._token = None

    async def __aenter__(self) -> "SessionContext":
        return self.__enter__()

    async def __aexit__(self, *exc: Any) -> None:
        self.__exit__(*exc)


def session(session_id: Optional[str] = None, *, user_id: Optional[str] = None, metadata: Optional[Mapping[str, Any]] = None, name: Optional[str] = None) -> SessionContext:
    return SessionContext(session_id, user_id=user_id, metadata=metadata, name=name)


class TraceContext(_Decorating):
    def __init__(
        self,
        name: Optional[str] = None,
        *,
        session_id: Optional[str] = None,
        user_id: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        input: Any = None,
        trace_id: Optional[str] = None,
    ) -> None:
        self.name = name
        self.trace_id = trace_id or str(uuid.uuid4())
        self._explicit = {"session_id": session_id, "user_id": user_id, "tags": list(tags) if tags else None, "metadata": dict(metadata or {}), "trace_id": trace_id}
        self.session_id = session_id
        self.user_id = user_id
        self.tags = list(tags) if tags else None
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.input = input
        self.output: Any = None
        self.status = "running"
        self.start_time: Optional[str] = None
        self._client: Optional[Continua] = None
        self._token: Optional[contextvars.Token[Optional[TraceContext]]] = None
        self._span_token: Optional[contextvars.Token[Optional[SpanContext]]] = None
        self._span_sequence = 0
        self._ended = False

    def _fresh(self, fn: Callable[..., Any]) -> "TraceContext":
        e = self._explicit
        return TraceContext(self.name or fn.__name__, session_id=e["session_id"], user_id=e["user_id"], tags=e["tags"], metadata=e["metadata"])

    def set_input(self, value: Any) -> "TraceContext":
        self.input = value
        return self

    def set_output(self, value: Any) -> "TraceContext":
        self.output = value
        return self

    def set_metadata(self, key: Union[str, Mapping[str, Any]], value: Any = None) -> "TraceContext":
        if isinstance(key, str):
            self.metadata[key] = value
        else:
            self.metadata.update(key)
        return self

    def set_tags(self, tags: Sequence[str]) -> "TraceContext":
        self.tags = list(tags)
        return self

    def set_user_id(self, user_id: str) -> "TraceContext":
        self.user_id = user_id
        return self

    def _auto_output(self, result: Any) -> None:
        if result is not None and self.output is None:
            self.output = result

    def _next_span_sequence(self) -> int:
        n = self._span_sequence
        self._span_sequence += 1
        return n

    def _record(self, final: bool) -> dict[str, Any]:
        r: dict[str, Any] = {"trace_id": self.trace_id, "name": self.name or "trace", "status": self.status, "start_time": self.start_time}
        if self.session_id:
            r["session_id"] = self.session_id
        if self.user_id:
            r["user_id"] = self.user_id
        if self.tags:
            r["tags"] = self.tags
        client = self._client
        if client is not None and client.environment:
            r["environment"] = client.environment
        if client is not None and client.release:
            r["release"] = client.release
        if self.metadata:
            r["metadata"] = dict(self.metadata)
        # Input goes out again at the end, so an input set after entering is not lost.
        if self.input is not None:
            r["input"] = self.input
        if final:
            r["end_time"] = _now()
            if self.output is not None:
                r["output"] = self.output
        return r

    def __enter__(self) -> "TraceContext":
        sess = _session.get()
        if sess is not None:
            self.session_id = self.session_id or sess.session_id
            self.user_id = self.user_id or sess.user_id
            self.metadata = {**sess.metadata, **self.metadata}
        self.start_time = _now()
        client = _client()
        # A trace sampled out records nothing; its spans and events take their client from it.
        self._client = client if client is not None and client.sampled() else None
        if self._client is not None:
            if sess is not None and self.session_id == sess.session_id:
                self._client._announce_session(sess.session_id, sess.name, sess.user_id, sess.metadata)
            self._client.enqueue("traces", self._record(False))
        self._token = _trace.set(self)
        self._span_token = _span.set(None)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._span_token is not None:
            _span.reset(self._span_token)
        if self._token is not None:
            _trace.reset(self._token)
        if self._ended:
            return
        self._ended = True
        if exc is not None:
            self.status = "failed"
            self.metadata["error"] = str(exc)
        else:
            self.status = "completed"
        if self._client is not None:
            self._client.enqueue("traces", self._record(True))

    async def __aenter__(self) -> "TraceContext":
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)


@overload
def trace(name: F) -> F: ...
@overload
def trace(
    name: Optional[str] = None,
    *,
    session_id: Optional[str] = None,
    user_id: Optional[str] = None,
    tags: Optional[Sequence[str]] = None,
    metadata: Optional[Mapping[str, Any]] = None,
    input: Any = None,
    trace_id: Optional[str] = None,
) -> TraceContext: ...
def trace(name: Any = None, **kwargs: Any) -> Any:
    """``@trace``, ``@trace("name", ...)`` or ``with trace("name") as t:``."""
    if callable(name):
        return TraceContext(None)(name)
    return TraceContext(name, **kwargs)


class SpanContext(_Decorating):
    def __init__(self, name: str, *, kind: str = "default", metadata: Optional[Mapping[str, Any]] = None, input: Any = None, span_id: Optional[str] = None) -> None:
        if kind not in SPAN_TYPES:
            raise ValueError(f"span kind must be one of {', '.join(SPAN_TYPES)}")
        self.name = name
        self.kind = kind
        self.span_id = span_id or str(uuid.uuid4())
        self._explicit_id = span_id
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._fields: dict[str, Any] = {}
        if kind != "default":
            self._fields["type"] = kind
        if input is not None:
            self._fields["input"] = input
        self.status = "running"
        self.trace: Optional[TraceContext] = None
        self.parent: Optional[SpanContext] = None
        self.depth = 0
        self.sequence = 0
        self.start_time: Optional[str] = None
        self._implicit_trace: Optional[TraceContext] = None
        self._client: Optional[Continua] = None
        self._token: Optional[contextvars.Token[Optional[SpanContext]]] = None
        self._event_sequence = 0
        self._ended = False

    def _fresh(self, fn: Callable[..., Any]) -> "SpanContext":
        return SpanContext(self.name, kind=self.kind, metadata=self.metadata)

    @property
    def trace_id(self) -> Optional[str]:
        return self.trace.trace_id if self.trace else None

    # --- setters --------------------------------------------------------------------------------

    def set_input(self, value: Any) -> "SpanContext":
        self._fields["input"] = value
        return self

    def set_output(self, value: Any) -> "SpanContext":
        self._fields["output"] = value
        return self

    def _auto_output(self, result: Any) -> None:
        if result is not None and "output" not in self._fields:
            self._fields["output"] = result

    def set_name(self, name: str) -> "SpanContext":
        self.name = name
        return self

    def set_kind(self, kind: str) -> "SpanContext":
        if kind not in SPAN_TYPES:
            raise ValueError(f"span kind must be one of {', '.join(SPAN_TYPES)}")
        self._fields["type"] = kind
        return self

    def set_level(self, level: str) -> "SpanContext":
        self._fields["level"] = level
        return self

    def set_model(self, model: str, provider: Optional[str] = None) -> "SpanContext":
        self._fields["model"] = model
        if provider:
            self._fields["provider"] = provider
        return self

    def set_tokens(
        self,
        *,
        prompt: Optional[int] = None,
        completion: Optional[int] = None,
        total: Optional[int] = None,
        cache_read: Optional[int] = None,
        cache_write: Optional[int] = None,
        reasoning: Optional[int] = None,
    ) -> "SpanContext":
        for key, value in (
            ("prompt_tokens", prompt),
            ("completion_tokens", completion),
            ("cache_read_tokens", cache_read),
            ("cache_write_tokens", cache_write),
            ("reasoning_tokens", reasoning),
        ):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a non-negative whole number")
            self._fields[key] = value
        # The server refuses total_tokens without prompt/completion, so it only goes with them.
        if total is not None and ("prompt_tokens" in self._fields or "completion_tokens" in self._fields):
            self._fields["total_tokens"] = total
        return self

    def set_cost(self, usd: Union[float, str]) -> "SpanContext":
        self._fields["total_cost"] = usd
        return self

    def set_metadata(self, key: Union[str, Mapping[str, Any]], value: Any = None) -> "SpanContext":
        if isinstance(key, str):
            self.metadata[key] = value
        else:
            self.metadata.update(key)
        return self

    def set_error(self, message: Union[str, BaseException]) -> "SpanContext":
        self.status = "failed"
        self._fields["status_message"] = str(message)
        self._fields["level"] = "error"
        return self

    def set_llm_response(
        self,
        model: str,
        messages: Any = None,
        response: Any = None,
        tokens_in: Optional[int] = None,
        tokens_out: Optional[int] = None,
        *,
        provider: Optional[str] = None,
        cost: Optional[Union[float, str]] = None,
        tool_calls: Optional[list[dict[str, Any]]] = None,
        emit_effect: bool = True,
    ) -> "SpanContext":
        self.set_kind("llm").set_model(model, provider)
        if messages is not None:
            self.set_input({"messages": messages})
        if response is not None:
            self.set_output(response)
        self.set_tokens(prompt=tokens_in, completion=tokens_out)
        if cost is not None:
            self.set_cost(cost)
        if tool_calls:
            self.set_metadata("tool_calls", tool_calls)
        if emit_effect:
            payload: dict[str, Any] = {"model": model}
            if provider:
                payload["provider"] = provider
            self.effect("model_call", has_external_side_effect=False, payload=payload)
        return self

    def set_tool_call(self, tool_name: str, arguments: Any = None, result: Any = None, *, has_external_side_effect: bool = True, emit_effect: bool = True) -> "SpanContext":
        self.set_kind("tool").set_name(tool_name)
        if arguments is not None:
            self.set_input(arguments)
        if result is not None:
            self.set_output(result)
        if emit_effect:
            self.effect("tool_call", has_external_side_effect=has_external_side_effect, payload={"tool_name": tool_name})
        return self

    # --- events ---------------------------------------------------------------------------------

    def _emit(self, event: dict[str, Any]) -> "SpanContext":
        if self.trace is None:
            raise RuntimeError("span events can only be recorded inside an entered span")
        record = {"trace_id": self.trace.trace_id, "span_id": self.span_id, "event_ts": _now(), "sequence": self._event_sequence, **event}
        self._event_sequence += 1
        if self._client is not None:
            self._client.enqueue("events", record)
        return self

    def log(self, message: str, level: str = "info", payload: Optional[Mapping[str, Any]] = None) -> "SpanContext":
        return self._emit(ev.log(message, level, payload))

    def error(self, message: str, payload: Optional[Mapping[str, Any]] = None) -> "SpanContext":
        return self._emit(ev.error(message, payload))

    def exception(self, exc: BaseException, payload: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> "SpanContext":
        return self._emit(ev.exception(exc, payload, message))

    def message(self, message: str, level: str = "info", payload: Optional[Mapping[str, Any]] = None) -> "SpanContext":
        return self._emit(ev.message(message, level, payload))

    def metric(self, name: str, value: float, unit: Optional[str] = None, payload: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> "SpanContext":
        return self._emit(ev.metric(name, value, unit, payload, message))

    def custom(self, payload: Mapping[str, Any], level: str = "info", message: Optional[str] = None) -> "SpanContext":
        return self._emit(ev.custom(payload, level, message))

    def state_change(self, key: str, old: Any = None, new: Any = None, namespace: Optional[str] = None, message: Optional[str] = None, payload: Optional[Mapping[str, Any]] = None) -> "SpanContext":
        return self._emit(ev.state_change(key, old, new, namespace, message, payload))

    def decision(self, question: str, chosen: Any, alternatives: Optional[Sequence[Any]] = None, reasoning: Optional[str] = None, message: Optional[str] = None, payload: Optional[Mapping[str, Any]] = None) -> "SpanContext":
        return self._emit(ev.decision(question, chosen, alternatives, reasoning, message, payload))

    def effect(
        self,
        kind: str,
        has_external_side_effect: bool = True,
        effect_id: Optional[str] = None,
        idempotent: Optional[bool] = None,
        idempotency_key: Optional[str] = None,
        payload: Optional[Mapping[str, Any]] = None,
        message: Optional[str] = None,
    ) -> "SpanContext":
        return self._emit(ev.effect(kind, has_external_side_effect, effect_id, idempotent, idempotency_key, payload, message))

    def wait(self, kind: str, phase: str, wait_id: Optional[str] = None, resolution: Optional[str] = None, payload: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> "SpanContext":
        return self._emit(ev.wait(kind, phase, wait_id, resolution, payload, message))

    def snapshot_marker(self, label: str, marker_kind: str = "milestone", payload: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> "SpanContext":
        return self._emit(ev.snapshot_marker(label, marker_kind, payload, message))

    # --- lifecycle ------------------------------------------------------------------------------

    def _record(self, final: bool) -> dict[str, Any]:
        assert self.trace is not None
        r: dict[str, Any] = {
            "trace_id": self.trace.trace_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent.span_id if self.parent else None,
            "name": self.name,
            "start_time": self.start_time,
            "status": self.status,
            "sequence": self.sequence,
            "depth": self.depth,
            **self._fields,
        }
        if self.metadata:
            r["metadata"] = dict(self.metadata)
        if final:
            r["end_time"] = _now()
        return r

    def __enter__(self) -> "SpanContext":
        trace_ctx = _trace.get()
        if trace_ctx is None:
            # A span outside any trace gets a trace of its own rather than being dropped.
            self._implicit_trace = TraceContext(self.name)
            trace_ctx = self._implicit_trace.__enter__()
        self.trace = trace_ctx
        self.parent = _span.get()
        self.depth = self.parent.depth + 1 if self.parent else 0
        self.sequence = trace_ctx._next_span_sequence()
        self.start_time = _now()
        self._client = trace_ctx._client
        if self._client is not None:
            self._client.enqueue("spans", self._record(False))
        self._token = _span.set(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._token is not None:
            _span.reset(self._token)
            self._token = None
        if not self._ended:
            self._ended = True
            if exc is not None:
                self.set_error(exc)
            elif self.status == "running":
                self.status = "completed"
            if self._client is not None:
                self._client.enqueue("spans", self._record(True))
        if self._implicit_trace is not None:
            if self._implicit_trace.output is None and "output" in self._fields:
                self._implicit_trace.output = self._fields["output"]
            self._implicit_trace.__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> "SpanContext":
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)


def span(name: str, *, kind: str = "default", metadata: Optional[Mapping[str, Any]] = None, input: Any = None, span_id: Optional[str] = None) -> SpanContext:
    """``with span("step") as s:`` or ``@span("step")``."""
    return SpanContext(name, kind=kind, metadata=metadata, input=input, span_id=span_id)


# --- module-level event helpers: they record on the current span ---------------------------------


def _on_current(method: str, *args: Any, **kwargs: Any) -> Optional[SpanContext]:
    current = _span.get()
    if current is None:
        logger.warning("continua.%s called outside a span; the event is not recorded", method)
        return None
    return getattr(current, method)(*args, **kwargs)


def log(message: str, level: str = "info", payload: Optional[Mapping[str, Any]] = None) -> Optional[SpanContext]:
    return _on_current("log", message, level, payload)


def error(message: str, payload: Optional[Mapping[str, Any]] = None) -> Optional[SpanContext]:
    return _on_current("error", message, payload)


def exception(exc: BaseException, payload: Optional[Mapping[str, Any]] = None) -> Optional[SpanContext]:
    return _on_current("exception", exc, payload)


def metric(name: str, value: float, unit: Optional[str] = None, payload: Optional[Mapping[str, Any]] = None) -> Optional[SpanContext]:
    return _on_current("metric", name, value, unit, payload)


def state_change(key: str, old: Any = None, new: Any = None, namespace: Optional[str] = None, message: Optional[str] = None) -> Optional[SpanContext]:
    return _on_current("state_change", key, old, new, namespace, message)


def decision(question: str, chosen: Any, alternatives: Optional[Sequence[Any]] = None, reasoning: Optional[str] = None, **kwargs: Any) -> Optional[SpanContext]:
    return _on_current("decision", question, chosen, alternatives, reasoning, **kwargs)


def effect(kind: str, has_external_side_effect: bool = True, **kwargs: Any) -> Optional[SpanContext]:
    return _on_current("effect", kind, has_external_side_effect, **kwargs)


def wait(kind: str, phase: str, **kwargs: Any) -> Optional[SpanContext]:
    return _on_current("wait", kind, phase, **kwargs)


def snapshot_marker(label: str, marker_kind: str = "milestone", payload: Optional[Mapping[str, Any]] = None) -> Optional[SpanContext]:
    return _on_current("snapshot_marker", label, marker_kind, payload)
