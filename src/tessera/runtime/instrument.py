"""``instrument(client)``: record every call an OpenAI or Anthropic SDK client makes."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry import trace

from tessera._log import log_internal_error, logger
from tessera.capture import stream_accumulator
from tessera.capture.providers import canonical_provider
from tessera.errors import CostLimitExceeded
from tessera.runtime.attempts import (
    AttemptLog,
    collect_attempts,
    settle_attempts,
    watch_http_client,
)
from tessera.runtime.calls import CallRecording
from tessera.runtime.default import get_observer
from tessera.runtime.observer import Observer
from tessera.runtime.streams import AsyncRecordedStream, RecordedStream, RecordedStreamManager
from tessera.usage import Usage

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
    client: ClientT,
    *,
    observer: Observer | None = None,
    provider: str | None = None,
    header_map: Mapping[str, str] | None = None,
) -> ClientT:
    """Record every ``create`` (and ``stream``) call of an SDK client.

    Supports ``OpenAI``, ``AsyncOpenAI`` (and OpenAI-compatible endpoints such as a
    GitHub Copilot proxy), ``Anthropic``, ``AsyncAnthropic``, ``AnthropicVertex``
    and ``AsyncAnthropicVertex``. The client is changed in place and returned;
    instrumenting twice is harmless, and clients derived with ``with_options``
    or ``copy`` are instrumented too. Recorded: ``chat.completions.create`` and
    ``responses.create`` (OpenAI, plain and ``stream=True``), ``messages.create``
    and ``messages.stream`` (Anthropic). What the calls return is unchanged.

    Response headers are read through event hooks on the client's HTTP client:
    GitHub Copilot quota headers go to ``extras["copilot_quota"]`` of the call,
    and mapped token-count headers (``header_map``, or
    :func:`tessera.capture.register_usage_headers`) fill in a body without usage.
    Each HTTP attempt of a ``create`` the SDK retried (``max_retries``) is
    recorded as a failed attempt of the same operation; the answer is the last.

    Args:
        client: The SDK client.
        observer: Where calls are recorded; default: the process-wide observer
            (see :func:`tessera.observability.observe`), looked up at each call.
        provider: Provider id to record, when the client's own is not right
            (for example a proxy that serves another provider's models).
        header_map: Response header name -> usage field, for a proxy that
            sends token counts as headers (``{"x-usage-input-tokens": "input_tokens"}``).

    Returns:
        The same client.
    """
    if getattr(client, _MARK, False):
        return client
    kind = type(client).__module__.split(".", 1)[0]
    if kind == "openai":
        name = canonical_provider(provider) or _openai_provider(client)
        completions = client.chat.completions  # type: ignore[attr-defined]
        completions.create = _wrap_create(
            completions.create, _Target(observer, name, "openai_chat", header_map)
        )
        responses = getattr(client, "responses", None)
        if responses is not None:
            responses.create = _wrap_create(
                responses.create, _Target(observer, name, "openai_responses", header_map)
            )
    elif kind == "anthropic":
        name = canonical_provider(provider) or _anthropic_provider(client)
        target = _Target(observer, name, "anthropic_messages", header_map)
        messages = client.messages  # type: ignore[attr-defined]
        messages.create = _wrap_create(messages.create, target)
        messages.stream = _wrap_stream_helper(messages.stream, target)
    else:
        raise TypeError(f"instrument() supports OpenAI and Anthropic clients, not {type(client)!r}")
    if not watch_http_client(client):
        logger.debug("no HTTP event hooks on %s: headers and retries unseen", type(client))
    _instrument_copies(client, observer, provider, header_map)
    setattr(client, _MARK, True)
    logger.debug("instrumented %s client as provider %s", type(client).__name__, name)
    return client


@dataclass(frozen=True, slots=True)
class _Target:
    """What an instrumented method records: where, as which provider, read how."""

    observer: Observer | None
    provider: str
    shape: str
    header_map: Mapping[str, str] | None


def _instrument_copies(
    client: Any, observer: Observer | None, provider: str | None, header_map: Any
) -> None:
    # ``client.with_options(timeout=...)`` (an alias of ``copy``) builds a new
    # client whose resources are fresh: without this its calls would go unrecorded.
    original = getattr(client, "copy", None)
    if not callable(original):
        return

    @functools.wraps(original)
    def copy(*args: Any, **kwargs: Any) -> Any:
        copied = original(*args, **kwargs)
        return instrument(copied, observer=observer, provider=provider, header_map=header_map)

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


def _begin(target: _Target, kwargs: dict[str, Any]) -> CallRecording | None:
    try:
        model = kwargs.get("model")
        recording = (target.observer or get_observer()).start_call(
            target.provider,
            model if isinstance(model, str) else None,
            stream=bool(kwargs.get("stream")),
            request=kwargs,
        )
        recording.from_client = True
        return recording
    except CostLimitExceeded:
        # The one deliberate raise: a hard limit refuses the call before it is sent.
        raise
    except Exception:
        log_internal_error("starting to record a model call")
        return None


def _wrap_create(original: Callable[..., Any], target: _Target) -> Callable[..., Any]:
    def finish(recording: CallRecording, response: Any, log: AttemptLog) -> Any:
        settle_attempts(recording, log)
        raw = _is_raw_response(response)
        if not recording.stream:
            # ``with_raw_response.create`` returns a wrapper: its parse() is cached,
            # so reading it here costs the caller nothing.
            body = _parsed(response) if raw else response
            recording.succeed_with(body, log.headers, header_map=target.header_map)
            return response
        if raw:
            # The caller's parse() builds the stream: there is nothing to wrap.
            problem = "stream read through with_raw_response: usage not captured"
            usage = Usage.not_reported(recording.provider, recording.request_model, problem)
            recording.succeed(usage)
            return response
        try:
            wrapper = AsyncRecordedStream if hasattr(response, "__aiter__") else RecordedStream
            accumulator = stream_accumulator(
                target.provider, target.shape, headers=log.headers, header_map=target.header_map
            )
            return wrapper(response, recording, accumulator)
        except Exception:
            log_internal_error("wrapping a response stream")
            return response

    def failed(recording: CallRecording, log: AttemptLog, exc: BaseException) -> None:
        settle_attempts(recording, log)
        recording.fail(exc)

    async def complete(recording: CallRecording, pending: Awaitable[Any]) -> Any:
        # The request is sent on await: the attempts are collected here.
        with collect_attempts() as log:
            try:
                with trace.use_span(recording.span, end_on_exit=False):
                    response = await pending
            except BaseException as exc:
                failed(recording, log, exc)
                raise
        return finish(recording, response, log)

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def create_async(*args: Any, **kwargs: Any) -> Any:
            recording = _begin(target, kwargs)
            if recording is None:
                return await original(*args, **kwargs)
            return await complete(recording, original(*args, **kwargs))

        return create_async

    @functools.wraps(original)
    def create(*args: Any, **kwargs: Any) -> Any:
        recording = _begin(target, kwargs)
        if recording is None:
            return original(*args, **kwargs)
        with collect_attempts() as log:
            try:
                with trace.use_span(recording.span, end_on_exit=False):
                    response = original(*args, **kwargs)
            except BaseException as exc:
                failed(recording, log, exc)
                raise
        if inspect.isawaitable(response):
            # An async client whose ``create`` is a plain function returning a
            # coroutine (openai's AsyncCompletions): the request runs on await.
            return complete(recording, response)
        return finish(recording, response, log)

    return create


def _is_raw_response(response: Any) -> bool:
    return hasattr(response, "http_response") and callable(getattr(response, "parse", None))


def _parsed(response: Any) -> Any:
    try:
        return response.parse()
    except Exception:
        log_internal_error("parsing a raw response")
        return response


def _wrap_stream_helper(original: Callable[..., Any], target: _Target) -> Callable[..., Any]:
    """Wrap Anthropic's ``messages.stream(...)`` helper (a context manager)."""

    @functools.wraps(original)
    def stream(*args: Any, **kwargs: Any) -> Any:
        manager = original(*args, **kwargs)
        # Begun on entering the block, when the request is sent (and refused there
        # by a hard limit): a manager never entered holds no reservation.
        return RecordedStreamManager(
            manager, lambda: _begin(target, {**kwargs, "stream": True}), target.header_map
        )

    return stream
