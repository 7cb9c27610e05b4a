"""An Observer over a whole process's life: exit without shutdown, two observers, reuse."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from runtime_support import rows


def _run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_exit_without_shutdown_prints_nothing_when_a_module_keeps_the_observer(
    tmp_path: Path,
) -> None:
    # A library module holding the observer (or a LiteLLM callback list holding a
    # TokenUsageCallback) is torn down after ``os``: the store's connection
    # finalizer used to print "Exception ignored ... 'NoneType' has no attribute 'getpid'".
    code = """
        import json, sys
        from tessera.observability import Observer
        observer = Observer(db=sys.argv[1] + "/m.db", traces_file=sys.argv[1] + "/t.jsonl")
        with observer.task("t1"):
            pass
        json.kept_by_a_library = observer
    """
    done = _run(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    (task,) = rows(tmp_path / "m.db", "SELECT status FROM task_assignments")
    assert task[0] == "completed"


_STREAM_CLIENT = """
    import sys
    import httpx2, openai
    from tessera.demo import recordings as rec
    from tessera.observability import Observer, instrument

    body = rec.openai_chat_stream(
        "gpt-4o-mini-2024-07-18", "hello world " * 8, 100, 10, response_id="chatcmpl-left"
    )
    http = openai.DefaultHttpxClient(
        transport=httpx2.MockTransport(
            lambda request: httpx2.Response(
                200, content=body, headers={"content-type": "text/event-stream"}
            )
        )
    )
    observer = Observer(db=sys.argv[1] + "/m.db", traces_file=sys.argv[1] + "/t.jsonl")
    client = instrument(
        openai.OpenAI(api_key="test-key", max_retries=0, http_client=http), observer=observer
    )
    with observer.task("t1"):
        stream = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            break  # the rest is not needed; the stream stays referenced
"""


def test_a_stream_left_open_until_exit_is_recorded_with_its_span(tmp_path: Path) -> None:
    # Finalized during interpreter teardown, its record used to fail
    # (KeyError: 'warnings', printed) and its span to be dropped.
    done = _run(tmp_path, _STREAM_CLIENT)
    assert done.returncode == 0, done.stderr
    # (The SDK's own stream generator may still complain as it is finalized.)
    assert "src/tessera/" not in done.stderr
    assert "already shutdown" not in done.stderr
    calls = rows(tmp_path / "m.db", "SELECT task_id, stream, usage_reported FROM llm_calls")
    assert [tuple(c) for c in calls] == [("t1", 1, 0)]
    lines = (tmp_path / "t.jsonl").read_text().splitlines()
    assert sum('"name":"chat gpt-4o-mini"' in line for line in lines) == 1


def test_shutdown_records_the_streams_still_open_before_closing_the_trace(
    tmp_path: Path,
) -> None:
    code = (
        _STREAM_CLIENT
        + """
    observer.shutdown()
    import json
    print(json.dumps(len(open(sys.argv[1] + "/t.jsonl").read().splitlines())))
    """
    )
    done = _run(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert "already shutdown" not in done.stderr
    assert done.stdout.strip() == "2"  # the task span and the call span
    calls = rows(tmp_path / "m.db", "SELECT COUNT(*) FROM llm_calls")
    assert calls[0][0] == 1
