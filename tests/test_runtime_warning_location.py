"""Warnings about a call point at the line of the user's code that made it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from runtime_support import OPENAI_HOST, Script, ask, make_observer, openai_client
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.errors import UnpricedModelWarning


def test_unpriced_model_warning_points_at_the_call(tmp_path: Path) -> None:
    # A fresh model name: the warning is given once per model and process.
    model = f"ft:gpt-4o-mini-2024-07-18:acme::{uuid.uuid4().hex[:8]}"
    script = Script(
        Exchange(OPENAI_HOST, model, rec.openai_chat(model, "x", 10, 5, response_id="r1"))
    )
    observer = make_observer(tmp_path)
    client = openai_client(script, observer)
    with pytest.warns(UnpricedModelWarning) as caught:
        client.chat.completions.create(model=model, messages=ask())
        line = _current_line() - 1  # the create() call, one line up
    observer.shutdown()
    (warning,) = [w for w in caught if w.category is UnpricedModelWarning]
    assert (warning.filename, warning.lineno) == (__file__, line)


def _current_line() -> int:
    import inspect

    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno
