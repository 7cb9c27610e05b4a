"""Shared helpers of the runtime tests: real SDK clients answered in-process.

The clients are the real ``openai`` and ``anthropic`` SDK classes; only their
HTTP transport is replaced by a ``MockTransport`` of the HTTP library the SDK
release uses (found through the SDK's own ``DefaultHttpxClient``), answering
from :class:`~tessera.demo.transport.Exchange` records built with
:mod:`tessera.demo.recordings`. No socket is opened.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from tessera.demo.transport import Exchange, respond
from tessera.runtime.instrument import instrument
from tessera.runtime.observer import Observer

OPENAI_HOST = "api.openai.com"
ANTHROPIC_HOST = "api.anthropic.com"
COPILOT_HOST = "api.githubcopilot.com"
VERTEX_HOST = "us-east5-aiplatform.googleapis.com"

SONNET = "claude-sonnet-4-20250514"


class Script:
    """Answers each request with the first unused exchange of the same host and model.

    Matching by host and model (not by order) lets concurrent tasks share one
    script. A request nothing matches gets HTTP 500 naming it, so a wrong
    request fails loudly instead of receiving someone else's answer.
    """

    def __init__(self, *exchanges: Exchange) -> None:
        self._pending = list(exchanges)
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    @property
    def remaining(self) -> int:
        return len(self._pending)

    def _answer(self, http: Any, request: Any) -> Any:
        model = _requested_model(request)
        body = json.loads(request.content) if request.content else {}
        with self._lock:
            self.requests.append(body)
            match = next(
                (e for e in self._pending if e.host == request.url.host and e.model == model),
                None,
            )
            if match is not None:
                self._pending.remove(match)
        if match is None:
            message = f"unexpected request to {request.url.host} for {model}"
            return http.Response(500, json={"error": {"message": message}})
        return respond(http, match)

    def http_client(self, sdk: Any, *, asynchronous: bool = False) -> Any:
        """An SDK ``Default(Async)HttpxClient`` whose transport is this script."""
        client_class = sdk.DefaultAsyncHttpxClient if asynchronous else sdk.DefaultHttpxClient
        http = importlib.import_module(client_class.__mro__[1].__module__.split(".")[0])
        return client_class(transport=http.MockTransport(lambda r: self._answer(http, r)))


def _requested_model(request: Any) -> str:
    path = request.url.path
    if "/models/" in path:  # Vertex AI: ".../models/<model>:rawPredict"
        return str(path.rsplit("/models/", 1)[1].split(":", 1)[0])
    return str(json.loads(request.content).get("model", "")) if request.content else ""


def make_observer(tmp_path: Path) -> Observer:
    return Observer(db=tmp_path / "metrics.db", traces_file=tmp_path / "traces.jsonl")


def openai_client(
    script: Script, observer: Observer, *, asynchronous: bool = False, **kwargs: Any
) -> Any:
    import openai

    client_class = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    client = client_class(
        api_key="test-key",
        max_retries=0,
        http_client=script.http_client(openai, asynchronous=asynchronous),
        **kwargs,
    )
    return instrument(client, observer=observer)


def anthropic_client(
    script: Script, observer: Observer, client_class: Any = None, **kwargs: Any
) -> Any:
    import anthropic

    client_class = client_class or anthropic.Anthropic
    asynchronous = client_class.__name__.startswith("Async")
    if "Vertex" not in client_class.__name__:
        kwargs.setdefault("api_key", "test-key")
    client = client_class(
        max_retries=0,
        http_client=script.http_client(anthropic, asynchronous=asynchronous),
        **kwargs,
    )
    return instrument(client, observer=observer)


def ask(text: str = "hello") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def rows(db: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    """Rows of a query on the metrics database, read with plain sqlite3."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, args))
    finally:
        conn.close()


def spans(path: Path) -> list[dict[str, Any]]:
    """Every span line of a JSONL trace file, parsed."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def span_named(all_spans: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [s for s in all_spans if s["name"] == name]
    assert len(found) == 1, f"expected one span {name!r}, found {len(found)}"
    return found[0]
