"""Carry the open task (and the current span) into executor threads.

A ``concurrent.futures`` thread pool runs each job in its worker thread's own
context, not the submitter's, so a model call made there would land outside
the task and its span would start a new trace. ``asyncio`` tasks and
``asyncio.to_thread`` copy the context themselves; executors need one of::

    from tessera.runtime.context import ContextExecutor, submit_with_context

    with observer.task(agent_name="researcher"):
        # a pool that copies the submitter's context for every job
        with ContextExecutor(max_workers=4) as pool:
            results = list(pool.map(search, queries))
        # or any executor, one job at a time
        future = submit_with_context(executor, search, "query")

Both are ``contextvars.copy_context().run`` at submission time, the same
thing written by hand: ``executor.submit(contextvars.copy_context().run, fn, *args)``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def submit_with_context(
    executor: Executor, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> Future[T]:
    """Submit ``fn(*args, **kwargs)`` to run in a copy of the caller's current context.

    Calls made by ``fn`` are recorded in the task open at submission time, and
    their spans are children of the span current at submission time.

    Args:
        executor: Any :class:`concurrent.futures.Executor` running jobs in this
            process (a process pool cannot carry a context).
        fn: The job.
        *args: Its positional arguments.
        **kwargs: Its keyword arguments.

    Returns:
        The executor's future for the job.
    """
    return executor.submit(_in_copied_context(fn, *args, **kwargs))


class ContextExecutor(ThreadPoolExecutor):
    """A :class:`ThreadPoolExecutor` whose jobs run in a copy of the submitter's context.

    ``submit`` (and so ``map``) copies the context at submission time; it takes
    the same arguments as :class:`ThreadPoolExecutor`.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Schedule ``fn(*args, **kwargs)`` in a copy of the current context."""
        return super().submit(_in_copied_context(fn, *args, **kwargs))


def _in_copied_context(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Callable[[], T]:
    # The copy is taken now, in the submitting thread, not when the job runs.
    context = contextvars.copy_context()

    def job() -> T:
        return context.run(fn, *args, **kwargs)

    return job
