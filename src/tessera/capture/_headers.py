"""What response headers add to a usage: Copilot quota state and header-borne counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from tessera._log import log_internal_error
from tessera.capture._shape import UsageAccumulator
from tessera.capture.copilot_quota import COPILOT_QUOTA, parse_quota_headers
from tessera.capture.header_usage import usage_from_headers
from tessera.usage import Usage


def apply_headers(
    usage: Usage,
    headers: Mapping[str, str] | None,
    header_map: Mapping[str, str] | None,
    explicit_provider: str | None,
) -> Usage:
    """``usage`` completed from its response's headers.

    Counts come from mapped headers only when the body reported none. Copilot
    quota headers go to ``extras["copilot_quota"]``; as only GitHub Copilot sends
    them, they also name the provider when the caller gave none and the body
    looked like plain OpenAI.
    """
    if not headers:
        return usage
    usage = usage_from_headers(usage, headers, header_map)
    quota = parse_quota_headers(headers)
    if not quota:
        return usage
    provider = usage.provider
    if explicit_provider is None and provider in (None, "openai"):
        provider = "github_copilot"
    return replace(usage, provider=provider, extras={**usage.extras, COPILOT_QUOTA: quota})


class HeaderAccumulator:
    """A stream accumulator whose result is completed from the response headers."""

    def __init__(
        self,
        inner: UsageAccumulator,
        headers: Mapping[str, str],
        header_map: Mapping[str, str] | None,
        explicit_provider: str | None,
    ) -> None:
        self._inner = inner
        self._headers = dict(headers.items())
        self._header_map = dict(header_map) if header_map else None
        self._explicit = explicit_provider

    def add(self, event: object) -> None:
        """Take one chunk or event."""
        self._inner.add(event)

    def result(self) -> Usage:
        """The inner accumulator's usage with the headers applied."""
        usage = self._inner.result()
        try:
            return apply_headers(usage, self._headers, self._header_map, self._explicit)
        except Exception:
            log_internal_error("reading usage headers")
            return usage
