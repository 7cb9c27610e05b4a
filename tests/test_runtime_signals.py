"""``Observer.install_sigterm_handler``: a SIGTERM mid-task closes the task and its spans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from runtime_support import rows, spans

# No network, no SDK: the call is recorded from a parsed response body.
_CHILD = textwrap.dedent(
    """
    import sys, time
    from tessera.runtime.observer import Observer

    observer = Observer(db=sys.argv[1], traces_file=sys.argv[2])
    installed = observer.install_sigterm_handler()
    body = {
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
        "choices": [],
        "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
    }
    with observer.run("long job"):
        with observer.task("t1", agent_name="worker", phase="build"):
            observer.record(body, "openai")
            print("ready" if installed else "not installed", flush=True)
            time.sleep(60)
    """
)


def _start(tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path / "m.db"), str(tmp_path / "t.jsonl")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )


def test_sigterm_mid_task_records_the_task_failed_and_keeps_its_spans(tmp_path: Path) -> None:
    child = _start(tmp_path)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=30)

    assert child.returncode == 143, stderr  # 128 + SIGTERM (15)
    names = [s["name"] for s in spans(tmp_path / "t.jsonl")]
    assert names == [
        "chat gpt-4o-mini-2024-07-18",
        "invoke_agent worker",
        "invoke_workflow long job",
    ]
    task_span = spans(tmp_path / "t.jsonl")[1]
    assert task_span["attributes"]["task_id"] == "t1"
    assert task_span["status"]["code"] == "ERROR"
    (task_row,) = rows(tmp_path / "m.db", "SELECT * FROM task_assignments")
    assert (task_row["status"], task_row["error_message"]) == ("failed", "SystemExit: 143")
    # The call made before the signal is kept: 100 x 0.15 + 10 x 0.60 = 21 per 1M.
    assert task_row["cost_pusd"] == 21_000_000
    (run_row,) = rows(tmp_path / "m.db", "SELECT status FROM runs")
    assert run_row["status"] == "failed"


def test_a_program_handler_is_left_alone() -> None:
    # In a child process, so this test run's own handlers are never touched.
    code = textwrap.dedent(
        """
        import signal
        from tessera.runtime.signals import install_sigterm_handler

        mine = lambda signum, frame: None
        signal.signal(signal.SIGTERM, mine)
        print(install_sigterm_handler(), signal.getsignal(signal.SIGTERM) is mine)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        print(install_sigterm_handler(), install_sigterm_handler())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert result.stdout.split("\n")[:2] == ["False True", "True True"]
