"""An Anthropic helper stream left early keeps the input counts it already received."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime_support import (
    ANTHROPIC_HOST,
    SONNET,
    Script,
    anthropic_client,
    ask,
    make_observer,
    rows,
)
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange


class Stop(Exception):
    """The user's code gives up on the stream."""


def test_helper_stream_left_early_keeps_its_input(tmp_path: Path) -> None:
    usage = rec.anthropic_usage(12, 900, cache_read=4096)
    body = rec.anthropic_stream(SONNET, "a long answer " * 20, usage, message_id="msg_1")
    script = Script(Exchange(ANTHROPIC_HOST, SONNET, body))
    observer = make_observer(tmp_path)
    client = anthropic_client(script, observer)
    with (
        pytest.raises(Stop),
        observer.task("t1", agent_name="a"),
        client.messages.stream(model=SONNET, max_tokens=1000, messages=ask()) as stream,
    ):
        for _text in stream.text_stream:
            raise Stop
    observer.shutdown()
    (call,) = rows(
        tmp_path / "metrics.db",
        "SELECT status, input_tokens, cache_read_tokens, output_tokens, cost_usd FROM llm_calls",
    )
    # message_start's counts are final: 12 uncached + 4,096 cache read = 4,108 input.
    # The output never arrived: unknown, and so is the cost.
    assert tuple(call) == ("error", 4108, 4096, None, None)
