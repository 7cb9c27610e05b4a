"""What a provider-shape module offers to the dispatcher in ``tessera.capture``.

Each response shape (OpenAI chat, Anthropic messages, ...) lives in one module
that exports a :class:`Shape`. The dispatcher only knows this contract, so a new
shape is one module plus one line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tessera.capture._convert import Reader, as_dict, short
from tessera.usage import Usage


class UsageAccumulator(Protocol):
    """Folds the events of one streamed response into one :class:`Usage`.

    Feed every chunk or event with :meth:`add` as the stream is consumed, then
    call :meth:`result` once the stream ended (or broke off).
    """

    def add(self, event: object) -> None:
        """Take one stream chunk or event (SDK object or dict). Never raises."""
        ...

    def result(self) -> Usage:
        """The usage of the whole stream so far, following the provider's rule."""
        ...


@dataclass(frozen=True, slots=True)
class Shape:
    """One provider response shape and how to read it.

    Attributes:
        name: The shape id used by ``stream_accumulator`` (``"openai_chat"``, ...).
        default_provider: Provider assumed when nothing else names one.
        is_body: True for a complete response body of this shape (a dict).
        is_event: True for a stream chunk or event of this shape (a dict).
        from_body: Reads one complete response body.
        accumulator: Makes a stream accumulator for a provider id.
    """

    name: str
    default_provider: str
    is_body: Callable[[Mapping[str, Any]], bool]
    is_event: Callable[[Mapping[str, Any]], bool]
    from_body: Callable[[Mapping[str, Any], str], Usage]
    accumulator: Callable[[str], UsageAccumulator]


class StreamFold:
    """What every stream accumulator shares: counting events, reading each one as
    a dict, and flagging the ones that cannot be read.

    Subclasses fold a readable event in :meth:`_take` and build the result.
    """

    #: How an event is called in the "unreadable ..." problem.
    event_name = "stream event"

    def __init__(self, provider: str) -> None:
        self._provider = provider
        self._model: str | None = None
        self._response_id: str | None = None
        self._events = 0
        self._reader = Reader()

    def add(self, event: object) -> None:
        """Take one chunk or event (SDK object or dict); unreadable ones are flagged."""
        self._events += 1
        data = as_dict(event)
        if data is None:
            self._reader.flag(f"unreadable {self.event_name}: {short(event)}")
            return
        self._take(data)

    def _take(self, data: dict[str, Any]) -> None:
        raise NotImplementedError
