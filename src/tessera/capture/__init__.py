"""Usage capture: turn any provider response into one normalized :class:`Usage`.

:func:`extract_usage` reads a complete response, its parsed JSON, or a whole
stream; :func:`stream_accumulator` folds a stream chunk by chunk while the
caller's code consumes it. Each provider response shape lives in its own module
(:mod:`~tessera.capture.openai_chat`, :mod:`~tessera.capture.openai_responses`,
:mod:`~tessera.capture.anthropic_messages`, :mod:`~tessera.capture.gemini`,
:mod:`~tessera.capture.langchain_messages`) registered in one table, so capture
never guesses field meanings across shapes. Response headers add GitHub Copilot
quota state (:mod:`~tessera.capture.copilot_quota`) and, for proxies that send
counts as headers, usage (:mod:`~tessera.capture.header_usage`).
"""

from __future__ import annotations

from collections.abc import Mapping

from tessera._log import log_internal_error, logger
from tessera.capture._dispatch import SHAPES, AutoAccumulator, explicit_provider, extract
from tessera.capture._headers import HeaderAccumulator, apply_headers
from tessera.capture._shape import UsageAccumulator
from tessera.capture.copilot_quota import COPILOT_QUOTA
from tessera.capture.header_usage import clear_usage_headers, register_usage_headers
from tessera.capture.providers import CANONICAL_PROVIDERS, canonical_provider, otel_provider_name
from tessera.usage import Usage

__all__ = (
    "CANONICAL_PROVIDERS",
    "COPILOT_QUOTA",
    "UsageAccumulator",
    "canonical_provider",
    "clear_usage_headers",
    "extract_usage",
    "otel_provider_name",
    "register_usage_headers",
    "stream_accumulator",
)


def extract_usage(
    payload: object,
    provider: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    header_map: Mapping[str, str] | None = None,
) -> Usage:
    """Normalize the token usage of one model response. Never raises.

    Args:
        payload: An SDK response object (OpenAI ``ChatCompletion``,
            ``ChatCompletionChunk``, ``Response`` or Responses stream event,
            Anthropic ``Message`` or raw stream event, google-genai
            ``GenerateContentResponse``, LiteLLM ``ModelResponse``, LangChain
            ``AIMessage`` or ``LLMResult``), its parsed JSON dict, or an iterable
            of stream chunks/events (a list or generator, folded by the
            provider's stream rule; it is consumed).
        provider: The provider that served the call, in any common spelling; it
            wins over inference but the payload's shape still picks the parser
            (``github_copilot`` with an OpenAI-shaped body is read as OpenAI chat).
            When omitted it is inferred from the SDK class, then from the body.
            An Anthropic message id starting with ``msg_vrtx_`` turns ``anthropic``
            (given or inferred) into ``vertex_ai``; other given providers stay.
        headers: Response headers. GitHub Copilot quota headers
            (``x-quota-snapshot-*``, ``x-usage-ratelimit-*``) are parsed into
            ``extras["copilot_quota"]`` and, when no provider was given, name
            ``github_copilot``. Mapped count headers fill in a body without usage.
        header_map: Header name -> usage field (``{"x-usage-input-tokens":
            "input_tokens"}``), overlaid on :func:`register_usage_headers`;
            read only when the body carried no usage.

    Returns:
        The normalized usage. A payload of unknown shape, without usage, or
        unreadable gives ``reported=False`` with the reason in ``problems``;
        every flagged record is also logged as a warning on the ``tessera`` logger.
    """
    try:
        usage = extract(payload, provider)
        usage = apply_headers(usage, headers, header_map, explicit_provider(provider))
    except Exception:
        log_internal_error("usage capture")
        usage = Usage.not_reported(
            explicit_provider(provider), None, "usage capture failed internally; see the log"
        )
    if usage.problems:
        logger.warning(
            "tessera: usage flagged (provider %s, model %s): %s",
            usage.provider or "unknown",
            usage.model or "unknown",
            "; ".join(usage.problems),
        )
    return usage


def stream_accumulator(
    provider: str | None,
    shape: str = "auto",
    *,
    headers: Mapping[str, str] | None = None,
    header_map: Mapping[str, str] | None = None,
) -> UsageAccumulator:
    """An accumulator to feed a stream's chunks or events one by one.

    Args:
        provider: The provider serving the stream, in any common spelling, or
            None to infer it from the events.
        shape: ``"openai_chat"``, ``"openai_responses"``, ``"anthropic_messages"``,
            ``"gemini"``, ``"langchain"``, or ``"auto"`` to recognize the shape
            from the events. An unknown name falls back to ``"auto"`` and the
            result carries a problem naming it.
        headers: The stream's response headers (they arrive before the first
            event), applied to the result as in :func:`extract_usage`.
        header_map: As in :func:`extract_usage`.

    Returns:
        An object with ``add(event)`` (never raises) and ``result() -> Usage``.
        Unlike :func:`extract_usage`, it does not log flagged results; the caller does.
    """
    inner = _accumulator(provider, shape)
    if not headers:
        return inner
    return HeaderAccumulator(inner, headers, header_map, explicit_provider(provider))


def _accumulator(provider: str | None, shape: str) -> UsageAccumulator:
    spec = SHAPES.get(shape)
    if spec is not None:
        return spec.accumulator(explicit_provider(provider) or spec.default_provider)
    if shape == "auto":
        return AutoAccumulator(provider)
    known = ", ".join(sorted(SHAPES))
    logger.warning("tessera: unknown stream shape %r (known: %s); detecting it", shape, known)
    return AutoAccumulator(provider, problem=f"unknown stream shape {shape!r} (known: {known})")
