"""Operations: the attempts of one logical model call share an ``operation_id``.

A call retried by the application (a loop around ``create``, ``tenacity``, a
fallback to another provider) is several billed attempts of one operation.
Inside ``with observer.operation() as op:`` every call recorded takes
``op.operation_id`` and the next attempt number (1, 2, ...), in the order the
calls start. Retries made inside the SDK (``max_retries``) are numbered by
the instrumented client itself, within the open operation or a call's own.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class OperationScope:
    """One logical call whose attempts are recorded under one ``operation_id``.

    Attributes:
        operation_id: The id every attempt recorded in the block is stored with.
    """

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        self._attempts = 0
        self._lock = threading.Lock()

    @property
    def attempts(self) -> int:
        """Attempts numbered so far."""
        return self._attempts

    def next_attempt(self) -> int:
        """The number of the attempt that starts now (1 for the first)."""
        with self._lock:
            self._attempts += 1
            return self._attempts


#: The operation open in this context, if any.
current_operation: ContextVar[OperationScope | None] = ContextVar("tessera_operation", default=None)


@contextmanager
def open_operation(operation_id: str | None = None) -> Iterator[OperationScope]:
    """Record the calls made in the block as attempts of one operation."""
    scope = OperationScope(operation_id or f"op-{uuid.uuid4().hex[:16]}")
    token = current_operation.set(scope)
    try:
        yield scope
    finally:
        current_operation.reset(token)
