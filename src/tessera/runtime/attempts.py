"""The HTTP attempts of one SDK call: their response headers and the SDK's own retries.

The OpenAI and Anthropic SDKs retry inside ``create`` (``max_retries``, on
connection errors, 408, 409, 429 and 5xx) and give the caller only the last
answer. To see each attempt, :func:`watch_http_client` adds a request and a
response event hook to the SDK client's HTTP client (httpx's public hook API);
the hooks do nothing unless :func:`collect_attempts` is active in the calling
context, so a shared HTTP client is never confused between calls.

What one ``create`` leaves in its :class:`AttemptLog`:

- every attempt's start, end, HTTP status and response headers, in order;
- the last one is the call's answer (its headers carry GitHub Copilot quota
  state, or token counts from proxies that send them as headers);
- the ones before it were retried by the SDK: a retried attempt got an error
  status or no answer at all, so the provider reported no usage for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tessera._log import log_internal_error

if TYPE_CHECKING:
    from tessera.runtime.calls import CallRecording


@dataclass
class Attempt:
    """One HTTP request the SDK sent, and what came back (if anything)."""

    started_at: datetime
    ended_at: datetime | None = None
    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def error_type(self) -> str:
        """What went wrong, for a retried attempt: ``HTTP 429``, or no response."""
        if self.status_code is None:
            return "NoResponse"
        return f"HTTP {self.status_code}"


@dataclass
class AttemptLog:
    """The attempts of one SDK call, appended to by the HTTP client's hooks."""

    attempts: list[Attempt] = field(default_factory=list)

    def request_sent(self) -> None:
        """A request goes out: close an attempt left without response, open a new one."""
        now = datetime.now(UTC)
        if self.attempts and self.attempts[-1].ended_at is None:
            self.attempts[-1].ended_at = now
        self.attempts.append(Attempt(started_at=now))

    def response_received(self, status_code: int, headers: dict[str, str]) -> None:
        """The answer's status and headers arrived (a stream's body may still follow)."""
        if not self.attempts:
            self.attempts.append(Attempt(started_at=datetime.now(UTC)))
        last = self.attempts[-1]
        last.ended_at = datetime.now(UTC)
        last.status_code = status_code
        last.headers = headers

    @property
    def retried(self) -> list[Attempt]:
        """The attempts the SDK gave up on and sent again."""
        return self.attempts[:-1]

    @property
    def headers(self) -> dict[str, str] | None:
        """Response headers of the last attempt (the call's answer), when it got one."""
        if not self.attempts or self.attempts[-1].status_code is None:
            return None
        return self.attempts[-1].headers


_current: ContextVar[AttemptLog | None] = ContextVar("tessera_attempts", default=None)


@contextmanager
def collect_attempts() -> Iterator[AttemptLog]:
    """Collect the HTTP attempts that watched clients make inside the block."""
    log = AttemptLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def _on_request(request: Any) -> None:
    log = _current.get()
    if log is not None:
        try:
            log.request_sent()
        except Exception:
            log_internal_error("noting an HTTP attempt")


def _on_response(response: Any) -> None:
    log = _current.get()
    if log is not None:
        try:
            headers = {str(k).lower(): str(v) for k, v in response.headers.items()}
            log.response_received(int(response.status_code), headers)
        except Exception:
            log_internal_error("reading response headers")


async def _on_request_async(request: Any) -> None:
    _on_request(request)


async def _on_response_async(response: Any) -> None:
    _on_response(response)


def watch_http_client(client: object) -> bool:
    """Add the attempt hooks to an SDK client's HTTP client, once.

    Args:
        client: An ``openai`` or ``anthropic`` client; its HTTP client (the
            SDK's ``_client`` attribute, an httpx-style client) gets the hooks.

    Returns:
        True when the hooks are in place; False when the client has no HTTP
        client with event hooks (then headers and retries are not seen, and
        each call is recorded as one attempt).
    """
    http = getattr(client, "_client", None)
    try:
        hooks = http.event_hooks  # type: ignore[union-attr]
        # An async client awaits its hooks; a sync one calls them.
        asynchronous = inspect.iscoroutinefunction(http.send)  # type: ignore[union-attr]
        on_request = _on_request_async if asynchronous else _on_request
        on_response = _on_response_async if asynchronous else _on_response
        if on_request not in hooks["request"]:
            hooks["request"].append(on_request)
        if on_response not in hooks["response"]:
            hooks["response"].append(on_response)
    except Exception:
        return False
    return True


def settle_attempts(recording: CallRecording, log: AttemptLog) -> None:
    """Record the attempts the SDK retried, and number the answer as the last attempt.

    A retried attempt got an error status (429, 5xx, ...) or no answer, so the
    provider billed nothing for it: it is stored failed, without usage, under
    the call's ``operation_id``. The answer's row then starts with its attempt.
    """
    try:
        retried = log.retried
        if not retried:
            return
        numbers = [recording.attempt] + [recording.next_attempt() for _ in retried]
        for attempt, number in zip(retried, numbers, strict=False):
            ended = attempt.ended_at or datetime.now(UTC)
            recording.retried_attempt(number, attempt.started_at, ended, attempt.error_type)
        recording.attempt = numbers[-1]
        # The answer's row covers its own attempt, so attempts follow each other in
        # time; the call's span keeps covering the whole ``create``, retries included.
        recording.started_at = log.attempts[-1].started_at
    except Exception:
        log_internal_error("recording retried attempts")
