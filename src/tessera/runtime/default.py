"""The process-wide default observer, for code that was given none."""

from __future__ import annotations

import threading

from tessera.runtime.observer import Observer

_default: Observer | None = None
_default_lock = threading.Lock()


def observe(**kwargs: object) -> Observer:
    """Configure the process-wide default observer and return it.

    Takes the arguments of :class:`Observer`. Instrumented clients that were
    not given an observer record into this one.
    """
    global _default
    with _default_lock:
        _default = Observer(**kwargs)  # type: ignore[arg-type]
        return _default


def get_observer() -> Observer:
    """The process-wide default observer, created from the configuration on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Observer()
        return _default
