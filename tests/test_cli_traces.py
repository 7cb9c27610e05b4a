"""``tessera traces tail|show|export`` on trace files written by the real exporter."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

from tessera.cli import cli
from tessera.tracing import JsonlSpanExporter
from tessera.tracing.reader import follow_lines

# 1_700_000_000 s after the epoch is 2023-11-14T22:13:20Z.
T0 = 1_700_000_000_000_000_000
TRACE_A = 0xAAAA0000000000000000000000000001
TRACE_B = 0xAAAB0000000000000000000000000002


def _span(
    name: str,
    span_id: int,
    parent: int | None = None,
    trace_id: int = TRACE_A,
    start_ms: int = 0,
    duration_ms: int = 10,
    **attributes: Any,
) -> ReadableSpan:
    return ReadableSpan(
        name=name,
        context=SpanContext(trace_id=trace_id, span_id=span_id, is_remote=False),
        parent=None if parent is None else SpanContext(trace_id, parent, is_remote=False),
        kind=SpanKind.CLIENT if name.startswith("chat") else SpanKind.INTERNAL,
        start_time=T0 + start_ms * 1_000_000,
        end_time=T0 + (start_ms + duration_ms) * 1_000_000,
        attributes={k.replace("__", "."): v for k, v in attributes.items()},
        resource=Resource({"service.name": "test"}),
        status=Status(StatusCode.ERROR) if name.endswith("!") else Status(StatusCode.UNSET),
    )


def _workflow() -> list[ReadableSpan]:
    tokens = {"gen_ai__usage__input_tokens": 1000, "gen_ai__usage__output_tokens": 500}
    return [
        _span("chat gpt-4o", 3, 2, start_ms=5, duration_ms=20, tessera__cost__usd=0.0125, **tokens),
        _span("chat mystery", 4, 2, start_ms=30, duration_ms=5, tessera__cost__status="unpriced"),
        _span("invoke_agent planner", 2, 1, start_ms=1, duration_ms=40),
        _span("invoke_agent reviewer!", 5, 1, start_ms=50, duration_ms=1500),
        _span("invoke_workflow demo", 1, start_ms=0, duration_ms=61_000),
        _span("invoke_workflow other", 9, trace_id=TRACE_B, start_ms=70_000),
    ]


@pytest.fixture
def trace_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    path = tmp_path / "traces.jsonl"
    exporter = JsonlSpanExporter(path)
    for span in _workflow():
        exporter.export([span])
    exporter.shutdown()
    return path


@pytest.fixture(autouse=True)
def _restore_tz() -> Iterator[None]:
    yield
    time.tzset()  # monkeypatch has put TZ back by now


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_tail_prints_the_last_spans_compactly(trace_file: Path) -> None:
    result = _run("traces", "tail", "-n", "3", "--file", str(trace_file))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == ["TIME", "DURATION", "SPAN", "TOKENS", "IN/OUT", "COST"]
    # The reviewer started 50 ms after 22:13:20.000 and took 1500 ms = 1.50s;
    # the workflow took 61_000 ms = 1 min 1 s.
    assert lines[1].split() == ["22:13:20.050", "1.50s", "invoke_agent", "reviewer!"]
    assert lines[2].split() == ["22:13:20.000", "1m01s", "invoke_workflow", "demo"]
    assert lines[3].split()[:3] == ["22:14:30.000", "10.0ms", "invoke_workflow"]


def test_tail_shows_tokens_cost_and_unpriced(trace_file: Path) -> None:
    result = _run("traces", "tail", "-n", "6", "--file", str(trace_file))
    lines = result.output.splitlines()
    assert lines[1].split() == [
        "22:13:20.005",
        "20.0ms",
        "chat",
        "gpt-4o",
        "1,000/500",
        "$0.012500",
    ]
    assert lines[2].split() == ["22:13:20.030", "5.0ms", "chat", "mystery", "unpriced"]


def test_tail_json_prints_the_raw_lines(trace_file: Path) -> None:
    result = _run("traces", "tail", "-n", "2", "--json", "--file", str(trace_file))
    assert result.output.splitlines() == trace_file.read_text().splitlines()[-2:]


def test_tail_reads_rotated_backups(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    exporter = JsonlSpanExporter(path, max_bytes=1, backup_count=10)
    for number in range(4):  # every write after the first rotates: 3 backups + live file
        exporter.export([_span(f"s{number}", number + 1)])
    result = _run("traces", "tail", "-n", "3", "--json", "--file", str(path))
    assert [json.loads(line)["name"] for line in result.output.splitlines()] == ["s1", "s2", "s3"]


def test_default_file_comes_from_the_config(
    trace_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"observability:\n  local:\n    traces_file: {trace_file}\n")
    monkeypatch.setenv("TESSERA_CONFIG", str(config))
    monkeypatch.delenv("TESSERA_DATA_DIR")  # it would win over the file's setting
    monkeypatch.delenv("TESSERA_TRACES_FILE", raising=False)
    result = _run("traces", "tail", "-n", "1", "--json")
    assert result.output.splitlines() == trace_file.read_text().splitlines()[-1:]


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["traces", "tail", "--file", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 1
    assert "no trace file" in result.output


def test_show_prints_the_tree_by_prefix(trace_file: Path) -> None:
    result = _run("traces", "show", "aaaa", "--file", str(trace_file))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "trace aaaa0000000000000000000000000001"
    # Two model calls: 1000 + 0 input tokens, 500 output, $0.0125 (the mystery is unpriced).
    assert lines[1] == "5 spans, 2 model calls, tokens 1,000 in / 500 out, cost $0.012500"
    assert [line.split() for line in lines[2:]] == [
        ["invoke_workflow", "demo", "1m01s"],
        ["├─", "invoke_agent", "planner", "40.0ms"],
        ["│", "├─", "chat", "gpt-4o", "20.0ms", "1,000/500", "$0.012500"],
        ["│", "└─", "chat", "mystery", "5.0ms", "unpriced"],
        ["└─", "invoke_agent", "reviewer!", "1.50s"],
    ]


def test_show_refuses_an_ambiguous_or_unknown_id(trace_file: Path) -> None:
    ambiguous = CliRunner().invoke(cli, ["traces", "show", "aaa", "--file", str(trace_file)])
    assert ambiguous.exit_code == 1
    assert "2 traces start with 'aaa'" in ambiguous.output
    unknown = CliRunner().invoke(cli, ["traces", "show", "ffff", "--file", str(trace_file)])
    assert unknown.exit_code == 1
    assert "no trace 'ffff'" in unknown.output


def test_show_json_lists_the_trace_lines(trace_file: Path) -> None:
    result = _run("traces", "show", "aaab", "--json", "--file", str(trace_file))
    assert [json.loads(line)["name"] for line in result.output.splitlines()] == [
        "invoke_workflow other"
    ]


def test_export_otlp_to_a_file(trace_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "otlp.json"
    result = _run("traces", "export", "--otlp", "--output", str(out), "--file", str(trace_file))
    assert result.exit_code == 0
    (request,) = [json.loads(line) for line in out.read_text().splitlines()]
    spans = request["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert len(spans) == 6
    chat = spans[0]
    assert chat["name"] == "chat gpt-4o" and chat["kind"] == 3  # CLIENT
    # T0 + 5 ms = 1_700_000_000_005_000_000 ns.
    assert chat["startTimeUnixNano"] == "1700000000005000000"
    assert chat["parentSpanId"] == "0000000000000002"


def test_export_one_trace_to_stdout(trace_file: Path) -> None:
    result = _run("traces", "export", "--otlp", "--trace", "aaab", "--file", str(trace_file))
    (request,) = [json.loads(line) for line in result.output.splitlines()]
    names = [s["name"] for s in request["resourceSpans"][0]["scopeSpans"][0]["spans"]]
    assert names == ["invoke_workflow other"]


def test_export_needs_a_format(trace_file: Path) -> None:
    result = CliRunner().invoke(cli, ["traces", "export", "--file", str(trace_file)])
    assert result.exit_code == 2


def test_no_color_is_respected(trace_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    red = "\x1b[31m"  # the failed reviewer task is shown in red
    assert red in _run("traces", "tail", "--file", str(trace_file)).output
    monkeypatch.setenv("NO_COLOR", "1")
    # NO_COLOR removes colour; bold and dim are not colours (no-color.org).
    assert red not in _run("traces", "tail", "--file", str(trace_file)).output


def test_follow_reads_new_lines_across_rotation(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    writer = JsonlSpanExporter(path, max_bytes=2000, backup_count=50)
    writer.export([_span("old", 1)])  # before following starts: not shown
    got: list[str] = []

    def write() -> None:
        for number in range(40):  # about 600 bytes a line: a rotation every 3 lines
            writer.export([_span(f"new{number}", number + 2, pad="p" * 300)])
            time.sleep(0.002)

    thread = threading.Thread(target=write)
    deadline = time.monotonic() + 20
    polls = 0

    def stop() -> bool:
        # Called before every poll: by the second the file is open at its end,
        # so the writer starts only then and "old" stays unseen.
        nonlocal polls
        polls += 1
        if polls == 2:
            thread.start()
        return time.monotonic() > deadline

    for line in follow_lines(path, poll_seconds=0.01, stop=stop):
        got.append(json.loads(line)["name"])
        if len(got) == 40:
            break
    thread.join()
    assert got == [f"new{n}" for n in range(40)]
