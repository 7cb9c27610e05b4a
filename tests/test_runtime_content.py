"""Prompt and completion text reach the trace only with content capture on, never the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime_support import OPENAI_HOST, Script, openai_client, spans
from tessera.config.model import TesseraConfig
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.runtime.observer import Observer

PROMPT = "Summarise the quarterly numbers for ACME-7731"
ANSWER = "Revenue rose 12% for ACME-7731"


def _run(tmp_path: Path, capture: bool) -> tuple[list[dict[str, object]], bytes]:
    config = TesseraConfig.model_validate({"observability": {"capture_content": capture}})
    observer = Observer(db=tmp_path / "m.db", traces_file=tmp_path / "t.jsonl", config=config)
    script = Script(
        Exchange(
            OPENAI_HOST,
            "gpt-4o-mini",
            rec.openai_chat("gpt-4o-mini", ANSWER, 20, 8, response_id="r1"),
        )
    )
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="a"):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
        )
    observer.shutdown()
    return spans(tmp_path / "t.jsonl"), (tmp_path / "m.db").read_bytes()


@pytest.mark.parametrize("capture", [False, True], ids=["off", "on"])
def test_content_only_with_capture(tmp_path: Path, capture: bool) -> None:
    all_spans, database = _run(tmp_path, capture)
    chat = next(s for s in all_spans if str(s["name"]).startswith("chat "))
    attributes = chat["attributes"]
    assert isinstance(attributes, dict)
    # The database never holds the text, capture or not.
    assert PROMPT.encode() not in database and ANSWER.encode() not in database
    if not capture:
        assert "gen_ai.input.messages" not in attributes
        assert PROMPT not in json.dumps(all_spans) and ANSWER not in json.dumps(all_spans)
        return
    sent = json.loads(attributes["gen_ai.input.messages"])
    assert sent == {"messages": [{"role": "user", "content": PROMPT}]}
    received = json.loads(attributes["gen_ai.output.messages"])
    assert received["choices"][0]["message"]["content"] == ANSWER
