"""``BackgroundTasks``: work a handler leaves to run after its answer is
sent, as Starlette's ``starlette.background``. The host sends the answer,
then calls the same instance back to run it (WIT ``run-background``), under
the app's timeout."""

from typing import Any, Callable, List

from ._depends import run


class BackgroundTask:
    """One call: ``func(*args, **kwargs)`` (a ``def`` or an ``async def``)."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs

    def __call__(self) -> None:
        result = self.func(*self.args, **self.kwargs)
        if hasattr(result, "__await__"):
            run(result)


class BackgroundTasks(BackgroundTask):
    """Calls run one after another, in the order added; a handler or a
    dependency declares a ``BackgroundTasks`` parameter to add them."""

    def __init__(self, tasks: Any = None) -> None:
        self.tasks: List[BackgroundTask] = list(tasks or [])

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Adds ``func(*args, **kwargs)`` to run after the answer."""
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    def __call__(self) -> None:
        for task in self.tasks:
            task()
