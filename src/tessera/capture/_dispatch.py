"""Find the shape of a payload and the provider behind it, then hand it to its module.

The registry :data:`SHAPES` is the one place that lists the shape modules; a new
provider shape (Responses API, Gemini, ...) is one module exporting a ``SHAPE``
plus one entry here. Order matters only when two shapes could both claim a dict:
the first match wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from tessera._log import log_internal_error
from tessera.capture import (
    anthropic_messages,
    gemini,
    langchain_messages,
    openai_chat,
    openai_responses,
)
from tessera.capture._assemble import not_reported, with_problems
from tessera.capture._convert import as_dict, short, text
from tessera.capture._shape import Shape, UsageAccumulator
from tessera.capture.providers import canonical_provider
from tessera.usage import Usage

SHAPES: dict[str, Shape] = {
    shape.name: shape
    for shape in (
        openai_chat.SHAPE,
        openai_responses.SHAPE,
        anthropic_messages.SHAPE,
        # Before gemini: a LangChain message dump also has a "usage_metadata" key.
        langchain_messages.SHAPE,
        gemini.SHAPE,
    )
}

# Root package of an SDK object's class -> the provider its client talks to.
# google-genai serves the Gemini API and Vertex AI alike; gemini.py tells Vertex by its fields.
_MODULE_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini"}

# Events buffered while a stream's shape is still unknown; beyond this they are dropped.
_MAX_PENDING = 1000


def explicit_provider(name: object) -> str | None:
    """A caller-given provider: canonical when known, else as given (lower-cased)."""
    if not isinstance(name, str) or not name.strip():
        return None
    return canonical_provider(name) or name.strip().lower()


def module_provider(obj: object) -> str | None:
    """The provider implied by an SDK object's class (``openai.types...`` -> openai)."""
    root = (type(obj).__module__ or "").split(".", 1)[0]
    if root == "litellm":
        # LiteLLM's ModelResponse names the provider that served it in a private dict.
        hidden = getattr(obj, "_hidden_params", None)
        name = hidden.get("custom_llm_provider") if isinstance(hidden, dict) else None
        return explicit_provider(name)
    return _MODULE_PROVIDERS.get(root)


def body_shape(data: Mapping[str, Any]) -> Shape | None:
    """The shape whose complete response body ``data`` is, if any."""
    return next((shape for shape in SHAPES.values() if shape.is_body(data)), None)


def event_shape(data: Mapping[str, Any]) -> Shape | None:
    """The shape whose stream chunk or event ``data`` is, if any."""
    return next((shape for shape in SHAPES.values() if shape.is_event(data)), None)


def is_stream(payload: object) -> TypeGuard[Iterable[object]]:
    """True for an iterable of chunks or events (not a string, bytes, dict or SDK model)."""
    if isinstance(payload, str | bytes | bytearray | memoryview | Mapping):
        return False
    # pydantic models iterate over their fields; they are single payloads.
    if hasattr(payload, "model_dump") or hasattr(payload, "to_dict"):
        return False
    return isinstance(payload, Iterable)


class AutoAccumulator:
    """A stream accumulator that finds the shape from the events themselves.

    Events seen before one is recognized are buffered and replayed into the
    shape's own accumulator, so no usage-carrying event is lost.
    """

    def __init__(self, provider: str | None, problem: str | None = None) -> None:
        self._explicit = explicit_provider(provider)
        self._inner: UsageAccumulator | None = None
        self._pending: list[object] = []
        self._events = 0
        self._problems: list[str] = [problem] if problem else []

    def flag(self, problem: str) -> None:
        """Record a problem met while reading the stream (e.g. the iterator failed)."""
        self._problems.append(problem)

    def add(self, event: object) -> None:
        """Take one chunk or event; never raises."""
        try:
            self._add(event)
        except Exception:
            log_internal_error("stream usage capture")
            self.flag("a stream event could not be processed; see the log")

    def _add(self, event: object) -> None:
        self._events += 1
        if self._inner is not None:
            self._inner.add(event)
            return
        data = langchain_messages.prepare(event) or as_dict(event)
        shape = None if data is None else (event_shape(data) or body_shape(data))
        if shape is None:
            if len(self._pending) < _MAX_PENDING:
                self._pending.append(event if data is None else data)
            return
        provider = self._explicit or module_provider(event) or shape.default_provider
        self._inner = shape.accumulator(provider)
        for earlier in self._pending:
            self._inner.add(earlier)
        self._pending.clear()
        self._inner.add(data)

    def result(self) -> Usage:
        """The folded usage; not reported when no event of a known shape came."""
        try:
            if self._inner is not None:
                return with_problems(self._inner.result(), self._problems)
            if self._events == 0:
                problem = "stream had no events"
            else:
                sample = self._pending[0] if self._pending else None
                keys = sorted(sample)[:8] if isinstance(sample, dict) else short(sample)
                problem = f"no stream event of a known shape among {self._events} (first: {keys})"
            return not_reported(self._explicit, None, None, [*self._problems, problem])
        except Exception:
            log_internal_error("stream usage capture")
            return Usage.not_reported(
                self._explicit, None, "stream usage capture failed; see the log"
            )


def extract(payload: object, provider: str | None) -> Usage:
    """The dispatch behind ``extract_usage``; may raise on internal faults."""
    explicit = explicit_provider(provider)
    data = langchain_messages.prepare(payload) or as_dict(payload)
    if data is not None:
        chosen = explicit or module_provider(payload)
        shape = body_shape(data)
        if shape is not None:
            return shape.from_body(data, chosen or shape.default_provider)
        shape = event_shape(data)
        if shape is not None:
            accumulator = shape.accumulator(chosen or shape.default_provider)
            accumulator.add(data)
            return accumulator.result()
        problem = f"unrecognized response shape (keys: {sorted(data)[:8]})"
        return Usage(
            provider=chosen,
            model=text(data.get("model")),
            reported=False,
            problems=(problem,),
            response_id=text(data.get("id")),
        )
    if is_stream(payload):
        auto = AutoAccumulator(provider)
        try:
            for event in payload:
                auto.add(event)
        except Exception as exc:  # a broken stream still yields what arrived
            auto.flag(f"reading the stream failed: {type(exc).__name__}: {short(str(exc), 80)}")
        return auto.result()
    if hasattr(payload, "__aiter__"):
        problem = "async streams are not read here; feed events to stream_accumulator()"
    else:
        problem = f"unreadable payload of type {type(payload).__name__}"
    return Usage.not_reported(explicit, None, problem)
