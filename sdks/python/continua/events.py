"""Builders for the 11 event kinds.

Reserved fields are checked (non-empty where the kind needs them) and merged over the caller's
payload, so a payload key can never shadow them.
"""

from __future__ import annotations

import traceback as _tb
from typing import Any, Mapping, Optional, Sequence

EVENT_KINDS = (
    "log",
    "error",
    "exception",
    "message",
    "metric",
    "custom",
    "state_change",
    "decision",
    "effect",
    "wait",
    "snapshot_marker",
)
EVENT_LEVELS = ("debug", "info", "warning", "error")

Event = dict[str, Any]


def _required(kind: str, field: str, value: Any) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{kind} event: {field} must not be empty")


def _build(kind: str, level: str, message: Optional[str], payload: Optional[Mapping[str, Any]], reserved: Mapping[str, Any]) -> Event:
    if level not in EVENT_LEVELS:
        raise ValueError(f"event level must be one of {', '.join(EVENT_LEVELS)}")
    merged: dict[str, Any] = dict(payload or {})
    for key, value in reserved.items():
        if value is not None:
            merged[key] = value
    out: Event = {"event_type": kind, "level": level}
    if message is not None:
        out["message"] = message
    if merged:
        out["payload"] = merged
    return out


def log(message: str, level: str = "info", payload: Optional[Mapping[str, Any]] = None) -> Event:
    return _build("log", level, message, payload, {})


def error(message: str, payload: Optional[Mapping[str, Any]] = None) -> Event:
    return _build("error", "error", message, payload, {})


def exception(exc: BaseException, payload: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> Event:
    text = "".join(_tb.format_exception(type(exc), exc, exc.__traceback__))
    return _build(
        "exception",
        "error",
        message if message is not None else str(exc),
        payload,
        {"exception_type": type(exc).__name__, "exception_message": str(exc), "traceback": text},
    )


def message(message: str, level: str = "info", payload: Optional[Mapping[str, Any]] = None) -> Event:
    return _build("message", level, message, payload, {})


def metric(name: str, value: float, unit: Optional[str] = None, payload: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> Event:
    _required("metric", "metric_name", name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (float("inf"), float("-inf")):
        raise ValueError("metric event: metric_value must be a finite number")
    return _build("metric", "info", message, payload, {"metric_name": name, "metric_value": value, "metric_unit": unit})


def custom(payload: Mapping[str, Any], level: str = "info", message: Optional[str] = None) -> Event:
    return _build("custom", level, message, payload, {})


def state_change(key: str, old: Any = None, new: Any = None, namespace: Optional[str] = None, message: Optional[str] = None, payload: Optional[Mapping[str, Any]] = None) -> Event:
    _required("state_change", "key", key)
    ev = _build("state_change", "info", message, payload, {"key": key, "namespace": namespace})
    # old/new may legitimately be None: stored as JSON null.
    ev.setdefault("payload", {})
    ev["payload"]["old_value"] = old
    ev["payload"]["new_value"] = new
    return ev


def decision(
    question: str,
    chosen: Any,
    alternatives: Optional[Sequence[Any]] = None,
    reasoning: Optional[str] = None,
    message: Optional[str] = None,
    payload: Optional[Mapping[str, Any]] = None,
) -> Event:
    _required("decision", "question", question)
    _required("decision", "chosen", chosen)
    return _build(
        "decision",
        "info",
        message,
        payload,
        {"question": question, "chosen": chosen, "alternatives": list(alternatives) if alternatives is not None else None, "reasoning": reasoning},
    )


def effect(
    kind: str,
    has_external_side_effect: bool = True,
    effect_id: Optional[str] = None,
    idempotent: Optional[bool] = None,
    idempotency_key: Optional[str] = None,
    payload: Optional[Mapping[str, Any]] = None,
    message: Optional[str] = None,
) -> Event:
    _required("effect", "effect_kind", kind)
    return _build(
        "effect",
        "info",
        message,
        payload,
        {
            "effect_kind": kind,
            "has_external_side_effect": has_external_side_effect,
            "effect_id": effect_id,
            "idempotent": idempotent,
            "idempotency_key": idempotency_key,
        },
    )


def wait(
    kind: str,
    phase: str,
    wait_id: Optional[str] = None,
    resolution: Optional[str] = None,
    payload: Optional[Mapping[str, Any]] = None,
    message: Optional[str] = None,
) -> Event:
    _required("wait", "wait_kind", kind)
    if phase not in ("entered", "resolved"):
        raise ValueError("wait event: phase must be entered or resolved")
    return _build("wait", "info", message, payload, {"wait_kind": kind, "phase": phase, "wait_id": wait_id, "resolution": resolution})


def snapshot_marker(label: str, marker_kind: str = "milestone", payload: Optional[Mapping[str, Any]] = None, message: Optional[str] = None) -> Event:
    _required("snapshot_marker", "label", label)
    return _build("snapshot_marker", "info", message, payload, {"marker_kind": marker_kind, "label": label})
