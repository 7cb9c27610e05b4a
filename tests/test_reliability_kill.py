"""A process killed with SIGKILL while recording loses nothing that had returned."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

from tessera.config import TesseraConfig
from tessera.runtime.observer import Observer
from tessera.store import MetricsStore

# Calls the child must have reported before it is killed.
KILL_AFTER = 300


def _body(index: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [],
        "usage": {"prompt_tokens": 200, "completion_tokens": 20, "total_tokens": 220},
    }


def _record_forever(db: str, traces: str, returned: str) -> None:
    observer = Observer(db=db, traces_file=traces, config=TesseraConfig())
    fd = os.open(returned, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with observer.task("killed-task", agent_name="victim"):
        index = 0
        while True:
            record = observer.record(_body(index), provider="openai")
            assert record is not None
            # Reported only once record() has returned: this call must survive.
            os.write(fd, f"{record.call_id}\n".encode())
            index += 1


def test_sigkill_mid_recording_keeps_every_returned_call(tmp_path: Path) -> None:
    db, traces, returned = tmp_path / "m.db", tmp_path / "t.jsonl", tmp_path / "returned.txt"
    process = multiprocessing.get_context("spawn").Process(
        target=_record_forever, args=(str(db), str(traces), str(returned))
    )
    process.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.is_alive():
        if returned.exists() and returned.read_bytes().count(b"\n") >= KILL_AFTER:
            break
        time.sleep(0.01)
    process.kill()
    process.join(timeout=30)
    assert process.exitcode == -9

    # A line cut by the kill (the id written partly) does not count as reported.
    reported = returned.read_text().split("\n")[:-1]
    assert len(reported) >= KILL_AFTER
    with MetricsStore(db) as store:
        assert store.integrity_check() == []
        stored = {row.call_id for row in store.calls(limit=1_000_000)}
        (task,) = store.tasks()
    assert set(reported) <= stored
    # The child may have stored one more call than it reported (killed between
    # the store write and the report), never more than that.
    assert len(stored) - len(reported) in (0, 1)
    # The task never finished: its row still says running.
    assert (task.task_id, task.status) == ("killed-task", "running")

    data = traces.read_bytes()
    assert data.endswith(b"\n")
    spans = [json.loads(line) for line in data.split(b"\n")[:-1]]
    # Each call's span is written when it ends, before record() returns; the
    # task span never ended, so only chat spans are in the file.
    assert {span["name"] for span in spans} == {"chat gpt-4o"}
    assert len(spans) >= len(reported)
