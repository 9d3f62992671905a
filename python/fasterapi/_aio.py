"""Running a handler's coroutines to completion without an event loop
when they never suspend (the common case), with one when they do."""

import types
from typing import Any


def run(awaitable: Any) -> Any:
    """Runs an awaitable (a coroutine, an async generator's step) to
    completion: in one step when it never suspends, else on an event loop."""
    coroutine = awaitable if isinstance(awaitable, types.CoroutineType) else _resume(awaitable)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    import asyncio
    return asyncio.new_event_loop().run_until_complete(_resume(coroutine))


async def _resume(coroutine: Any) -> Any:
    return await coroutine
