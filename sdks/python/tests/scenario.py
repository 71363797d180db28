"""The scripted agent run of the SDK contract test (twin of test/sdk/scenario.ts: change both together).

Run as ``python3 -m tests.scenario`` with CONTINUA_ENDPOINT and CONTINUA_API_KEY set.
"""

from __future__ import annotations

import continua
from continua import Continua, span, trace


@trace("contract agent", tags=["contract"], metadata={"version": 1})
def agent() -> dict:
    continua.get_current_trace().set_input({"question": "What is the weather?"})  # type: ignore[union-attr]
    with span("plan", kind="agent", input={"step": 1}) as plan:
        plan.decision("which tool?", "weather", alternatives=["weather", "search"], reasoning="asks about weather")
        plan.state_change("phase", "start", "tool", namespace="agent")
        plan.log("planning done", payload={"n": 1})
        with span("llm call") as llm:
            llm.set_llm_response(
                "gpt-4o-mini",
                [{"role": "user", "content": "What is the weather?"}],
                {"role": "assistant", "content": "Checking"},
                12,
                5,
                provider="openai",
                cost="0.000123",
            )
            llm.set_tokens(cache_read=2)
        with span("tool") as tool:
            tool.set_tool_call("get_weather", {"city": "Paris"}, {"temp": 21})
            tool.wait("external", "entered", wait_id="w-1")
            tool.wait("external", "resolved", wait_id="w-1", resolution="ok")
            tool.effect("api_call", idempotency_key="wx-1", idempotent=True)
            tool.metric("latency", 120, unit="ms")
    with span("answer") as answer:
        answer.message("answered", payload={"final": True})
        answer.snapshot_marker("done", marker_kind="phase")
        answer.custom({"score": 0.9})
        answer.set_output("It is 21 in Paris").set_metadata("attempt", 1)
    try:
        with span("flaky") as flaky:
            flaky.error("retrying", payload={"attempt": 1})
            err = ValueError("bad value")
            flaky.exception(err)
            raise err
    except ValueError:
        pass
    return {"answer": "It is 21 in Paris"}


def run_scenario() -> list[str]:
    client = Continua.init(ingest_mode="sync", flush_interval=0)
    with continua.session("contract-session", name="Contract chat", user_id="u-1", metadata={"plan": "pro"}):
        agent()
    with span("contract orphan") as s:
        s.log("alone")
    return client.flush()


if __name__ == "__main__":
    ids = run_scenario()
    print(" ".join(ids))
