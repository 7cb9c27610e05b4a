"""The instrumentation never breaks the program, and never drops a record to a warning."""

from __future__ import annotations

import logging
import uuid
import warnings
from pathlib import Path

import pytest

from runtime_support import OPENAI_HOST, Script, ask, openai_client, rows, spans
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.errors import UnpricedModelWarning
from tessera.records import CallRecord
from tessera.runtime.observer import Observer
from tessera.store import MetricsStore


class BrokenStore(MetricsStore):
    """A store whose call writes fail."""

    def record_call(self, record: CallRecord) -> None:
        raise OSError("disk I/O error")


def _unknown_model() -> str:
    # Unpriced-model warnings are given once per model and process: a fresh name
    # keeps this test independent of the others.
    return f"ft:gpt-4o-mini-2024-07-18:acme::{uuid.uuid4().hex[:8]}"


def test_a_failing_store_does_not_break_the_call(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = rec.openai_chat("gpt-4o-mini-2024-07-18", "still here", 10, 5, response_id="c-1")
    script = Script(Exchange(OPENAI_HOST, "gpt-4o-mini", body))
    observer = Observer(
        store=BrokenStore(tmp_path / "metrics.db"), traces_file=tmp_path / "traces.jsonl"
    )
    client = openai_client(script, observer)
    with observer.task("t1", agent_name="planner"):
        response = client.chat.completions.create(model="gpt-4o-mini", messages=ask())
    observer.shutdown()

    assert response.choices[0].message.content == "still here"
    failures = [r for r in caplog.records if "storing a model call failed" in r.getMessage()]
    assert len(failures) == 1
    assert failures[0].levelno == logging.ERROR
    assert failures[0].exc_info is not None and isinstance(failures[0].exc_info[1], OSError)
    # The rest of the record still happened: task row, span.
    (task_row,) = rows(tmp_path / "metrics.db", "SELECT status FROM task_assignments")
    assert task_row["status"] == "completed"
    assert [s["name"] for s in spans(tmp_path / "traces.jsonl")] == [
        "chat gpt-4o-mini",
        "invoke_agent planner",
    ]


def test_unpriced_warning_as_error_still_records_the_call_first(tmp_path: Path) -> None:
    # pytest runs with filterwarnings=error, like a user with -W error.
    model = _unknown_model()
    body = rec.openai_chat(model, "ok", 2900, 700, response_id="c-2")
    script = Script(Exchange(OPENAI_HOST, model, body))
    observer = Observer(db=tmp_path / "metrics.db", traces_file=tmp_path / "traces.jsonl")
    client = openai_client(script, observer)
    with (
        observer.task("t1", agent_name="doc-writer"),
        pytest.raises(UnpricedModelWarning, match="no price known"),
    ):
        client.chat.completions.create(model=model, messages=ask())
    observer.shutdown()

    (call,) = rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")
    assert (call["cost_status"], call["cost_usd"], call["input_tokens"]) == ("unpriced", None, 2900)
    assert call["task_id"] == "t1"
    (task_row,) = rows(tmp_path / "metrics.db", "SELECT * FROM task_assignments")
    assert task_row["unpriced_calls"] == 1


def test_unpriced_warning_is_shown_once_after_recording(tmp_path: Path) -> None:
    model = _unknown_model()
    body = rec.openai_chat(model, "ok", 100, 10, response_id="c-3")
    script = Script(Exchange(OPENAI_HOST, model, body), Exchange(OPENAI_HOST, model, body))
    observer = Observer(db=tmp_path / "metrics.db", traces_file=tmp_path / "traces.jsonl")
    client = openai_client(script, observer)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        for _ in range(2):
            client.chat.completions.create(model=model, messages=ask())
    observer.shutdown()

    assert [w.category for w in shown] == [UnpricedModelWarning]
    assert len(rows(tmp_path / "metrics.db", "SELECT * FROM llm_calls")) == 2
