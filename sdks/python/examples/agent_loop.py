"""An agent loop traced end to end (twin of sdks/typescript/examples/agent-loop.ts).

    CONTINUA_API_KEY=ck_... CONTINUA_ENDPOINT=http://localhost:8080 PYTHONPATH=sdks/python \
        python3 sdks/python/examples/agent_loop.py "What is 6 times 7?"

The "model" is a deterministic stand-in; with a real LLM client record its response with
``span.set_llm_response(...)`` the same way.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import continua
from continua import Continua, span, trace


def fake_model(question: str, observations: list[str]) -> tuple[dict, int, int]:
    prompt, completion = 40 + 25 * len(observations), 12
    if not observations:
        return {"tool": "search", "input": question}, prompt, completion
    if len(observations) == 1:
        return {"tool": "calculator", "input": "6 * 7"}, prompt, completion
    return {"answer": f"{question} -> {observations[-1]}"}, prompt, completion


def run_tool(tool: str, arg: str) -> str:
    with span(tool) as s:
        result = str(6 * 7) if tool == "calculator" else f'top result for "{arg}"'
        s.set_tool_call(tool, {"input": arg}, result, has_external_side_effect=tool == "search")
        return result


@trace("research agent", tags=["example"])
def agent(question: str) -> dict:
    continua.get_current_trace().set_input({"question": question})  # type: ignore[union-attr]
    observations: list[str] = []
    for turn in range(1, 6):
        with span(f"turn {turn}", kind="agent") as turn_span:
            with span("model") as llm:
                step, prompt, completion = fake_model(question, observations)
                messages = [{"role": "user", "content": question}] + [{"role": "tool", "content": o} for o in observations]
                llm.set_llm_response("gpt-4o-mini", messages, step, prompt, completion, provider="openai")
            turn_span.metric("prompt_tokens", prompt)
            if "answer" in step:
                turn_span.decision("next action", "answer", alternatives=["search", "calculator", "answer"], reasoning="enough observations")
                return {"answer": step["answer"], "turns": turn}
            turn_span.decision("next action", step["tool"], alternatives=["search", "calculator", "answer"])
            observation = run_tool(step["tool"], step["input"])
            turn_span.state_change("observations", len(observations), len(observations) + 1, namespace="memory")
            observations.append(observation)
    return {"answer": None, "turns": 5}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    client = Continua.init(ingest_mode="sync")
    with continua.session(f"example-{int(time.time())}", name="Agent loop example"):
        result = agent(sys.argv[1] if len(sys.argv) > 1 else "What is 6 times 7?")
    print(json.dumps({**result, "batch_ids": client.shutdown()}))
