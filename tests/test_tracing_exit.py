"""Ended spans are on disk however the process ends, and the exporter never raises."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

from tessera.tracing import make_tracer_provider


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _script(path: Path, tail: str) -> str:
    return textwrap.dedent(
        f"""
        import os, signal, sys, time
        from pathlib import Path
        from tessera.tracing import make_tracer_provider

        provider = make_tracer_provider(Path({str(path)!r}))
        tracer = provider.get_tracer("t")
        for i in range(20):
            with tracer.start_as_current_span(f"span {{i}}"):
                pass
        """
    ) + textwrap.dedent(tail)


def test_normal_exit_without_shutdown_keeps_every_span(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    # No provider.shutdown() and no register_shutdown(): the interpreter just ends.
    code = _script(path, "sys.exit(0)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert [r["name"] for r in _records(path)] == [f"span {i}" for i in range(20)]


def test_sigterm_keeps_every_ended_span(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    # SIGTERM's default action kills the process at once: no atexit, no flush.
    code = _script(path, 'print("ready", flush=True)\ntime.sleep(60)\n')
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == -signal.SIGTERM
    assert [r["name"] for r in _records(path)] == [f"span {i}" for i in range(20)]


def _child_work(provider: TracerProvider) -> None:
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("child task"), tracer.start_as_current_span("child call"):
        pass
    # multiprocessing's fork child leaves through os._exit: no atexit handlers run.


def test_forked_child_spans_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path)
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("parent run") as run:
        # The child inherits the current context, so its task is under this run.
        child = multiprocessing.get_context("fork").Process(target=_child_work, args=(provider,))
        child.start()
        child.join(timeout=30)
        assert child.exitcode == 0
        run_id = format(run.get_span_context().span_id, "016x")
    provider.shutdown()
    by_name = {r["name"]: r for r in _records(path)}
    assert sorted(by_name) == ["child call", "child task", "parent run"]
    assert by_name["child task"]["parent_span_id"] == run_id
    assert by_name["child call"]["parent_span_id"] == by_name["child task"]["span_id"]


def test_write_failure_is_logged_and_counted_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    provider = make_tracer_provider(blocker / "t.jsonl")  # its directory cannot exist
    tracer = provider.get_tracer("t")
    with caplog.at_level(logging.ERROR, logger="tessera"):
        for _ in range(3):
            with tracer.start_as_current_span("lost"):
                pass  # the agent's code goes on
    provider.shutdown()
    logged = [r for r in caplog.records if r.name == "tessera"]
    # The first failure with its traceback; the total lost once, at shutdown.
    assert [r.levelno for r in logged] == [logging.ERROR, logging.WARNING]
    assert logged[0].exc_info is not None
    assert logged[1].getMessage().startswith("tessera: 3 spans could not be written to ")
    (processor,) = provider._active_span_processor._span_processors
    assert processor.span_exporter.failed_spans == 3  # type: ignore[attr-defined]


def test_pid_changes_are_seen_in_the_child(tmp_path: Path) -> None:
    # A child created by os.fork (not multiprocessing) writes through its own descriptor.
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path)
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("before fork"):
        pass
    pid = os.fork()
    if pid == 0:
        try:
            with tracer.start_as_current_span("in child"):
                pass
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with tracer.start_as_current_span("after fork"):
        pass
    provider.shutdown()
    assert [r["name"] for r in _records(path)] == ["before fork", "in child", "after fork"]
