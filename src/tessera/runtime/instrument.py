"""``instrument(client)``: record every call an OpenAI or Anthropic SDK client makes."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

from opentelemetry import trace

from tessera._log import log_internal_error, logger
from tessera.capture import stream_accumulator
from tessera.capture.providers import canonical_provider
from tessera.errors import CostLimitExceeded
from tessera.runtime.calls import CallRecording
from tessera.runtime.observer import Observer, get_observer
from tessera.runtime.streams import AsyncRecordedStream, RecordedStream

ClientT = TypeVar("ClientT")

_MARK = "_tessera_instrumented"

# Hosts of OpenAI-compatible endpoints, to name the provider of an OpenAI client.
_OPENAI_COMPATIBLE_HOSTS = {
    "githubcopilot": "github_copilot",
    "openrouter.ai": "openrouter",
    "azure": "azure",
    "api.deepseek.com": "deepseek",
    "api.x.ai": "xai",
    "api.mistral.ai": "mistral",
    "api.groq.com": "groq",
}


def instrument(
    client: ClientT, *, observer: Observer | None = None, provider: str | None = None
) -> ClientT:
    """Record every ``create`` (and ``stream``) call of an SDK client.

    Supports ``OpenAI``, ``AsyncOpenAI`` (and OpenAI-compatible endpoints such as a
    GitHub Copilot proxy), ``Anthropic``, ``AsyncAnthropic``, ``AnthropicVertex``
    and ``AsyncAnthropicVertex``. The client is changed in place and returned;
    instrumenting twice is harmless, and clients derived with ``with_options``
    or ``copy`` are instrumented too. Recorded: ``chat.completions.create``
    (OpenAI), ``messages.create`` and ``messages.stream`` (Anthropic).

    Args:
        client: The SDK client.
        observer: Where calls are recorded; default: the process-wide observer
            (see :func:`tessera.observability.observe`), looked up at each call.
        provider: Provider id to record, when the client's own is not right
            (for example a proxy that serves another provider's models).

    Returns:
        The same client.
    """
    if getattr(client, _MARK, False):
        return client
    kind = type(client).__module__.split(".", 1)[0]
    if kind == "openai":
        name = canonical_provider(provider) or _openai_provider(client)
        completions = client.chat.completions  # type: ignore[attr-defined]
        completions.create = _wrap_create(completions.create, observer, name, "openai_chat")
    elif kind == "anthropic":
        name = canonical_provider(provider) or _anthropic_provider(client)
        messages = client.messages  # type: ignore[attr-defined]
        messages.create = _wrap_create(messages.create, observer, name, "anthropic_messages")
        messages.stream = _wrap_stream_helper(messages.stream, observer, name)
    else:
        raise TypeError(f"instrument() supports OpenAI and Anthropic clients, not {type(client)!r}")
    _instrument_copies(client, observer, provider)
    setattr(client, _MARK, True)
    logger.debug("instrumented %s client as provider %s", type(client).__name__, name)
    return client


def _instrument_copies(client: Any, observer: Observer | None, provider: str | None) -> None:
    # ``client.with_options(timeout=...)`` (an alias of ``copy``) builds a new
    # client whose resources are fresh: without this its calls would go unrecorded.
    original = getattr(client, "copy", None)
    if not callable(original):
        return

    @functools.wraps(original)
    def copy(*args: Any, **kwargs: Any) -> Any:
        return instrument(original(*args, **kwargs), observer=observer, provider=provider)

    client.copy = copy
    client.with_options = copy


def _openai_provider(client: object) -> str:
    base_url = str(getattr(client, "base_url", "")).lower()
    for host, provider in _OPENAI_COMPATIBLE_HOSTS.items():
        if host in base_url:
            return provider
    return "azure" if "Azure" in type(client).__name__ else "openai"


def _anthropic_provider(client: object) -> str:
    name = type(client).__name__
    if "Vertex" in name:
        return "vertex_ai"
    if "Bedrock" in name:
        return "bedrock"
    return "anthropic"


def _begin(
    observer: Observer | None, provider: str, kwargs: dict[str, Any]
) -> CallRecording | None:
    try:
        model = kwargs.get("model")
        return (observer or get_observer()).start_call(
            provider,
            model if isinstance(model, str) else None,
            stream=bool(kwargs.get("stream")),
            request=kwargs,
        )
    except CostLimitExceeded:
        # The one deliberate raise: a hard limit refuses the call before it is sent.
        raise
    except Exception:
        log_internal_error("starting to record a model call")
        return None


def _wrap_create(
    original: Callable[..., Any], observer: Observer | None, provider: str, shape: str
) -> Callable[..., Any]:
    def finish(recording: CallRecording, response: Any) -> Any:
        if not recording.stream:
            recording.succeed_with(response)
            return response
        try:
            wrapper = AsyncRecordedStream if hasattr(response, "__aiter__") else RecordedStream
            return wrapper(response, recording, stream_accumulator(provider, shape))
        except Exception:
            log_internal_error("wrapping a response stream")
            return response

    async def complete(recording: CallRecording, pending: Awaitable[Any]) -> Any:
        try:
            with trace.use_span(recording.span, end_on_exit=False):
                response = await pending
        except BaseException as exc:
            recording.fail(exc)
            raise
        return finish(recording, response)

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def create_async(*args: Any, **kwargs: Any) -> Any:
            recording = _begin(observer, provider, kwargs)
            if recording is None:
                return await original(*args, **kwargs)
            return await complete(recording, original(*args, **kwargs))

        return create_async

    @functools.wraps(original)
    def create(*args: Any, **kwargs: Any) -> Any:
        recording = _begin(observer, provider, kwargs)
        if recording is None:
            return original(*args, **kwargs)
        try:
            with trace.use_span(recording.span, end_on_exit=False):
                response = original(*args, **kwargs)
        except BaseException as exc:
            recording.fail(exc)
            raise
        if inspect.isawaitable(response):
            # An async client whose ``create`` is a plain function returning a
            # coroutine (openai's AsyncCompletions): the request runs on await.
            return complete(recording, response)
        return finish(recording, response)

    return create


def _wrap_stream_helper(
    original: Callable[..., Any], observer: Observer | None, provider: str
) -> Callable[..., Any]:
    """Wrap Anthropic's ``messages.stream(...)`` helper (a context manager)."""

    @functools.wraps(original)
    def stream(*args: Any, **kwargs: Any) -> Any:
        manager = original(*args, **kwargs)
        recording = _begin(observer, provider, {**kwargs, "stream": True})
        return manager if recording is None else _RecordedStreamManager(manager, recording)

    return stream


class _RecordedStreamManager:
    """Records an Anthropic helper stream from the SDK's accumulated message at exit.

    The helper folds ``message_start`` and ``message_delta`` usage itself
    (overwriting, never adding), so its final snapshot is the call's usage.
    """

    def __init__(self, manager: Any, recording: CallRecording) -> None:
        self._manager = manager
        self._recording = recording
        self._stream: Any = None

    def __enter__(self) -> Any:
        # The request is sent here; when it fails, ``__exit__`` is never called.
        try:
            self._stream = self._manager.__enter__()
        except BaseException as exc:
            self._recording.fail(exc)
            raise
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        # The SDK's exit closes the response even when recording re-issues a
        # warning that -W error turns into an exception.
        try:
            self._finish(exc)
        finally:
            closed = self._manager.__exit__(exc_type, exc, tb)
        return closed

    async def __aenter__(self) -> Any:
        try:
            self._stream = await self._manager.__aenter__()
        except BaseException as exc:
            self._recording.fail(exc)
            raise
        return self._stream

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        try:
            self._finish(exc)
        finally:
            closed = await self._manager.__aexit__(exc_type, exc, tb)
        return closed

    def _finish(self, error: BaseException | None) -> None:
        if error is not None:
            self._recording.fail(error)
            return
        try:
            snapshot = self._stream.current_message_snapshot
        except Exception:
            # Left before the first event: nothing was reported.
            self._recording.fail(RuntimeError("stream closed before any event"))
            return
        self._recording.succeed_with(snapshot)
