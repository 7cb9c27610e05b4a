"""Spans to an OpenTelemetry collector over OTLP/HTTP, through the official exporter.

Nothing here runs unless the user configures an endpoint
(``observability.otlp.endpoint``): the exporter package is imported lazily and
no socket is opened without one.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tessera.errors import TesseraError

#: The path OTLP/HTTP receivers take traces on.
TRACES_PATH = "/v1/traces"


class OtlpExtraMissingError(TesseraError, ImportError):
    """An OTLP endpoint is configured but the ``otlp`` extra is not installed."""


def traces_url(endpoint: str) -> str:
    """The URL spans are posted to.

    Args:
        endpoint: A collector's base URL (``http://localhost:4318``, as in
            ``OTEL_EXPORTER_OTLP_ENDPOINT``) or a full traces URL.

    Returns:
        ``endpoint`` with ``/v1/traces`` appended when it has no path of its
        own; otherwise ``endpoint`` unchanged.
    """
    parts = urlsplit(endpoint)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path=TRACES_PATH))
    return endpoint


def otlp_processor(endpoint: str) -> SpanProcessor:
    """A batching processor that posts spans to ``endpoint`` over OTLP/HTTP (protobuf).

    Batching keeps the network off the agent's hot path; the provider's
    shutdown at exit flushes what is queued.

    Args:
        endpoint: See :func:`traces_url`.

    Raises:
        OtlpExtraMissingError: ``opentelemetry-exporter-otlp-proto-http`` is not
            installed.
    """
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as exc:
        raise OtlpExtraMissingError(
            f"observability.otlp.endpoint is set ({endpoint}) but the OTLP exporter is "
            "not installed; install it with: pip install 'tessera-observability[otlp]'"
        ) from exc
    return BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url(endpoint)))
