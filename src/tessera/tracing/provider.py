"""Tessera's own OpenTelemetry tracer provider.

The provider is private to Tessera: it is never installed as the global
provider, so a program that configures OpenTelemetry for itself keeps its own
setup. Spans reach the JSONL file through a :class:`SimpleSpanProcessor`, which
writes each span as it ends: nothing waits in a queue, so nothing is lost when
the process exits, is killed after the span ended, or is a forked child that
leaves through ``os._exit``.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tessera.tracing.encoding import DEFAULT_MAX_ATTRIBUTE_CHARS

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

_registered: set[int] = set()
_registered_lock = threading.Lock()


def make_tracer_provider(
    traces_file: Path | None,
    service_name: str = "tessera",
    extra_exporters: Iterable[SpanExporter | SpanProcessor] = (),
    *,
    max_attribute_chars: int | None = DEFAULT_MAX_ATTRIBUTE_CHARS,
    max_bytes: int | None = None,
    backup_count: int = 5,
    otlp_endpoint: str | None = None,
) -> TracerProvider:
    """Build the tracer provider Tessera records its spans with.

    Args:
        traces_file: The JSONL file to append spans to, or ``None`` to write
            nothing to disk (local recording turned off).
        service_name: The ``service.name`` resource attribute.
        extra_exporters: Further destinations. An exporter is wrapped in a
            synchronous :class:`SimpleSpanProcessor`; pass a processor (for
            example a ``BatchSpanProcessor`` over an OTLP exporter) to choose
            another strategy.
        max_attribute_chars: Longest attribute string the JSONL file keeps
            whole; ``None`` keeps everything.
        max_bytes: Rotate the JSONL file at this size; ``None`` never rotates.
        backup_count: Rotated files kept (``traces.jsonl.1`` ...).
        otlp_endpoint: An OTLP/HTTP collector (``http://localhost:4318``) to
            send spans to as well, in batches; ``None`` opens no socket.

    Returns:
        A new SDK provider, not installed globally and not yet registered for
        shutdown at exit (see :func:`register_shutdown`).

    Raises:
        OtlpExtraMissingError: ``otlp_endpoint`` is given but the ``otlp``
            extra is not installed.
    """
    # The SDK is imported when a provider is built, not with ``tessera.observability``:
    # it is ~20 ms of start-up that a program which never records does not need.
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON

    from tessera.tracing.jsonl import JsonlSpanExporter
    from tessera.tracing.otlp import otlp_processor

    provider = TracerProvider(
        # Tessera's record must be complete whatever OTEL_TRACES_SAMPLER says
        # for the user's own tracing.
        sampler=ALWAYS_ON,
        resource=Resource.create({SERVICE_NAME: service_name}),
        shutdown_on_exit=False,
    )
    if traces_file is not None:
        exporter = JsonlSpanExporter(
            traces_file,
            max_attribute_chars=max_attribute_chars,
            max_bytes=max_bytes,
            backup_count=backup_count,
        )
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if otlp_endpoint:
        provider.add_span_processor(otlp_processor(otlp_endpoint))
    for extra in extra_exporters:
        if isinstance(extra, SpanProcessor):
            provider.add_span_processor(extra)
        else:
            provider.add_span_processor(SimpleSpanProcessor(extra))
    return provider


def register_shutdown(provider: TracerProvider) -> None:
    """Shut ``provider`` down at interpreter exit; repeated calls register it once.

    Args:
        provider: A provider from :func:`make_tracer_provider`.
    """
    with _registered_lock:
        # atexit keeps the provider alive, so its id cannot be reused meanwhile.
        if id(provider) in _registered:
            return
        _registered.add(id(provider))
    atexit.register(provider.shutdown)
