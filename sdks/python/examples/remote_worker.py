"""A remote activity worker serving ``compose-greeting`` for the remote-greeting workflow
(sdks/typescript/examples/workflows.ts), with an asyncio handler.

    continua worker --workflows sdks/typescript/examples/workflows.ts      # the engine
    CONTINUA_API_KEY=ck_... CONTINUA_ENDPOINT=http://localhost:8080 PYTHONPATH=sdks/python \
        python3 sdks/python/examples/remote_worker.py                       # this worker
    continua runs start remote-greeting --input '{"name":"Ada"}'           # a run, from the CLI

Ctrl-C stops it gracefully: no new claims, running tasks finish and are reported.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from continua import ActivityTaskContext, ActivityWorker, NonRetryableError

worker = ActivityWorker(concurrency_limit=4, lease_duration="30s", poll_interval=0.5)


@worker.activity("compose-greeting")
async def compose_greeting(payload: dict[str, Any], ctx: ActivityTaskContext) -> str:
    name = (payload or {}).get("name")
    if not name:
        raise NonRetryableError("input.name is required", "invalid_input")
    await asyncio.sleep(0.1)  # stand-in for real work
    return f"Hello, {name}! (served by {ctx.worker_id})"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("continua.worker").info("worker %s serving compose-greeting; Ctrl-C to stop", worker.worker_id)
    worker.run()
    worker.close()
    logging.getLogger("continua.worker").info("stopped after %(completed)d completed, %(failed)d failed", worker.stats)
