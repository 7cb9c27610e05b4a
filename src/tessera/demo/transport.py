"""A local stand-in for the providers' HTTP APIs.

The demo's SDK clients are real; only their HTTP transport is replaced by one
that answers each request with the next recorded response, so the demo needs
no network and no API keys. A request that does not match the script is
answered with HTTP 500 naming what was expected: a bug in the demo, never a
silent wrong answer.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Exchange:
    """One recorded request/response pair."""

    host: str
    model: str
    body: dict[str, Any] | bytes
    status: int = 200
    latency_ms: int = 0
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def streamed(self) -> bool:
        return isinstance(self.body, bytes)


class RecordedProviders:
    """Answers SDK requests from a script of :class:`Exchange` in order."""

    def __init__(self, exchanges: list[Exchange], *, delay: bool = True) -> None:
        self._pending = deque(exchanges)
        self._lock = threading.Lock()
        self._delay = delay

    @property
    def remaining(self) -> int:
        """Exchanges not yet asked for."""
        return len(self._pending)

    def http_client(self, sdk: Any) -> Any:
        """An HTTP client for ``sdk`` (the ``openai`` or ``anthropic`` module).

        Built from the SDK's own ``DefaultHttpxClient`` so it is the HTTP
        library that SDK release uses, whatever its name.
        """
        client_class = sdk.DefaultHttpxClient
        http = importlib.import_module(client_class.__mro__[1].__module__.split(".")[0])
        return client_class(
            transport=http.MockTransport(lambda request: self._answer(http, request))
        )

    def _answer(self, http: Any, request: Any) -> Any:
        with self._lock:
            expected = self._pending.popleft() if self._pending else None
        model = _requested_model(request)
        if expected is None or expected.host != request.url.host or expected.model != model:
            wanted = f"{expected.host} {expected.model}" if expected else "no more requests"
            message = f"demo script expected {wanted}, got {request.url.host} {model}"
            return http.Response(500, json={"error": {"message": message}})
        if self._delay and expected.latency_ms:
            time.sleep(expected.latency_ms / 1000)
        return respond(http, expected)


def respond(http: Any, exchange: Exchange) -> Any:
    """The HTTP response of ``exchange``, built with the SDK's HTTP library ``http``."""
    headers = dict(exchange.headers)
    if isinstance(exchange.body, bytes):
        headers["content-type"] = "text/event-stream"
        return http.Response(exchange.status, content=exchange.body, headers=headers)
    return http.Response(exchange.status, json=exchange.body, headers=headers)


def _requested_model(request: Any) -> str:
    # Vertex AI takes the model in the URL path (".../models/<model>:rawPredict").
    path = request.url.path
    if "/models/" in path:
        return str(path.rsplit("/models/", 1)[1].split(":", 1)[0])
    try:
        return str(json.loads(request.content).get("model", ""))
    except ValueError:
        return ""
