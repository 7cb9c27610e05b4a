"""Prompt and completion text on chat spans, only when the user turns content capture on.

By default no text of a prompt or a completion is kept anywhere: not in the
database, not in the trace file. With ``observability.capture_content: true``
the chat span gets the GenAI semantic-convention attributes
``gen_ai.input.messages`` (the request's messages, system prompt or input) and,
for complete (not streamed) responses, ``gen_ai.output.messages`` (the choices
or content blocks), both as JSON text. Streamed completions are not
reassembled: their text stays with the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"

_INPUT_KEYS = ("system", "instructions", "messages", "input", "contents", "prompt")
_OUTPUT_KEYS = ("choices", "content", "output", "candidates")


def input_messages(request: Mapping[str, Any] | None) -> str | None:
    """The request's input parts as JSON text, or None when it has none."""
    if not request:
        return None
    parts = {key: request[key] for key in _INPUT_KEYS if key in request}
    return _dump(parts) if parts else None


def output_messages(response: object) -> str | None:
    """A complete response's choices or content blocks as JSON text, or None."""
    body: Any = response
    dump = getattr(response, "model_dump", None)
    if callable(dump):
        body = dump(mode="json")
    if not isinstance(body, Mapping):
        return None
    parts = {key: body[key] for key in _OUTPUT_KEYS if key in body}
    return _dump(parts) if parts else None


def _dump(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
