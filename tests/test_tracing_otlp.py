"""Spans to an OTLP/HTTP collector: a loopback receiver decodes what it gets."""

from __future__ import annotations

import builtins
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.trace import SpanKind

from tessera.tracing import make_tracer_provider
from tessera.tracing.otlp import OtlpExtraMissingError, traces_url


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, ExportTraceServiceRequest]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.received.append((self.path, request))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[Any]]]:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    received: list[tuple[str, ExportTraceServiceRequest]] = []
    handler = type("Handler", (_Receiver,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_spans_reach_a_loopback_collector(tmp_path: Path, collector: tuple[str, list[Any]]) -> None:
    endpoint, received = collector
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path, service_name="svc", otlp_endpoint=endpoint)
    tracer = provider.get_tracer("tessera")
    with tracer.start_as_current_span("invoke_agent planner") as task:
        task.set_attribute("agent_name", "planner")
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as call:
            call.set_attributes({"gen_ai.usage.input_tokens": 1000, "tessera.cost.usd": 0.5})
    provider.shutdown()  # flushes the batch processor

    spans = {}
    for url_path, request in received:
        assert url_path == "/v1/traces"  # appended to the bare endpoint
        for resource_spans in request.resource_spans:
            resource = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
            assert resource["service.name"] == "svc"
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    spans[span.name] = span
    assert sorted(spans) == ["chat gpt-4o", "invoke_agent planner"]
    call_attributes = {kv.key: kv.value for kv in spans["chat gpt-4o"].attributes}
    assert call_attributes["gen_ai.usage.input_tokens"].int_value == 1000
    assert call_attributes["tessera.cost.usd"].double_value == 0.5
    assert spans["chat gpt-4o"].kind == 3  # SPAN_KIND_CLIENT
    assert spans["chat gpt-4o"].parent_span_id == spans["invoke_agent planner"].span_id
    # The local file got the same spans.
    names = [json.loads(line)["name"] for line in path.read_text().splitlines()]
    assert names == ["chat gpt-4o", "invoke_agent planner"]


def test_without_an_endpoint_no_socket_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"tracing tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    path = tmp_path / "t.jsonl"
    provider = make_tracer_provider(path)
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("invoke_agent a"), tracer.start_as_current_span("chat m"):
        pass
    provider.force_flush()
    provider.shutdown()
    assert attempts == []
    assert len(path.read_text().splitlines()) == 2


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_otlp(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("opentelemetry.exporter.otlp.proto.http"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_otlp)
    with pytest.raises(OtlpExtraMissingError, match=r"tessera-observability\[otlp\]"):
        make_tracer_provider(None, otlp_endpoint="http://127.0.0.1:4318")


def test_traces_url() -> None:
    assert traces_url("http://localhost:4318") == "http://localhost:4318/v1/traces"
    assert traces_url("http://localhost:4318/") == "http://localhost:4318/v1/traces"
    assert traces_url("https://x.example/api/otel/v1/traces") == (
        "https://x.example/api/otel/v1/traces"
    )
