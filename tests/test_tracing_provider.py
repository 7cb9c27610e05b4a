"""Tessera's tracer provider: private, synchronous, shut down once at exit."""

from __future__ import annotations

import atexit
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tessera.tracing import make_tracer_provider, register_shutdown


def test_span_is_on_disk_as_soon_as_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    provider = make_tracer_provider(path, service_name="demo")
    with provider.get_tracer("t").start_as_current_span("invoke_agent planner"):
        pass
    # No flush and no shutdown: SimpleSpanProcessor wrote it when the span ended.
    (line,) = [json.loads(text) for text in path.read_text().splitlines()]
    assert line["name"] == "invoke_agent planner"
    assert line["resource"]["service.name"] == "demo"
    provider.shutdown()


def test_provider_is_not_installed_globally(tmp_path: Path) -> None:
    provider = make_tracer_provider(tmp_path / "t.jsonl")
    assert trace.get_tracer_provider() is not provider
    provider.shutdown()


def test_no_traces_file_writes_nothing(isolated_data_dir: Path) -> None:
    memory = InMemorySpanExporter()
    provider = make_tracer_provider(None, extra_exporters=[memory])
    with provider.get_tracer("t").start_as_current_span("s"):
        pass
    provider.shutdown()
    assert [s.name for s in memory.get_finished_spans()] == ["s"]
    assert not isolated_data_dir.exists()


def test_extra_processor_is_added_as_is(tmp_path: Path) -> None:
    memory = InMemorySpanExporter()
    provider = make_tracer_provider(
        tmp_path / "t.jsonl", extra_exporters=[SimpleSpanProcessor(memory)]
    )
    with provider.get_tracer("t").start_as_current_span("s"):
        pass
    assert [s.name for s in memory.get_finished_spans()] == ["s"]
    provider.shutdown()


def test_records_every_span_whatever_the_env_sampler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path)
    with provider.get_tracer("t").start_as_current_span("s"):
        pass
    provider.shutdown()
    assert len(path.read_text().splitlines()) == 1


def test_register_shutdown_registers_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[Callable[..., Any]] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path)
    other = make_tracer_provider(None)
    register_shutdown(provider)
    register_shutdown(provider)
    register_shutdown(other)
    # make_tracer_provider registers nothing itself; two distinct providers, one each.
    assert registered == [provider.shutdown, other.shutdown]
    registered[0]()  # what the interpreter does at exit
    with provider.get_tracer("t").start_as_current_span("after exit"):
        pass
    assert not path.exists()
