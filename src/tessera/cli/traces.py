"""``tessera traces``: recent spans, one trace as a tree, and an OTLP JSON export."""

from __future__ import annotations

import json
import shlex
import sys
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.text import Text

from tessera.cli._common import console, printable
from tessera.config import load_config, traces_file_path
from tessera.errors import TesseraError
from tessera.paths import TRACES_FILENAME, data_dir
from tessera.tracing import attributes as attr
from tessera.tracing.otlp_json import export_request
from tessera.tracing.reader import follow_lines, parse_line, read_lines, read_records

F = TypeVar("F", bound=Callable[..., Any])

# Column widths; with the name column the row is 79 characters, under 80.
_TIME, _DURATION, _TOKENS, _COST = 12, 8, 13, 10
_TAIL_NAME = 79 - _TIME - _DURATION - _TOKENS - _COST - 4
_TREE_LABEL = 79 - _DURATION - _TOKENS - _COST - 3
# Spans per OTLP request line: keeps each line a size collectors accept.
_OTLP_BATCH = 1000


def file_option(func: F) -> F:
    """``--file PATH``: the trace file (default: from the configuration)."""
    return click.option(
        "--file",
        "file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Trace file (default: from config, else ~/.local/share/tessera/traces.jsonl).",
    )(func)


def _trace_file(file: Path | None) -> Path:
    try:
        return file if file is not None else traces_file_path(load_config())
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def traces() -> None:
    """Read the trace file: recent spans, one trace as a tree, OTLP export."""


def _duration(ms: Any) -> str:
    if not isinstance(ms, int | float):
        return "—"
    if ms < 1000:
        return f"{ms:.1f}ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f}s"
    minutes, seconds = divmod(int(ms // 1000), 60)
    return f"{minutes}m{seconds:02d}s"


def _tokens(attributes: dict[str, Any]) -> str:
    tokens_in = attributes.get(attr.GEN_AI_USAGE_INPUT_TOKENS)
    tokens_out = attributes.get(attr.GEN_AI_USAGE_OUTPUT_TOKENS)
    if tokens_in is None and tokens_out is None:
        return ""
    shown = ["?" if n is None else f"{n:,}" for n in (tokens_in, tokens_out)]
    return "/".join(shown)


def _cost(attributes: dict[str, Any]) -> str:
    value = attributes.get(attr.TESSERA_COST_USD)
    if isinstance(value, int | float):
        return f"${value:.6f}"
    # Never a silent blank for a call whose model has no price (DESIGN §5).
    return "unpriced" if attributes.get(attr.TESSERA_COST_STATUS) == "unpriced" else ""


def _no_trace_file(path: Path) -> click.ClickException:
    """The error for a missing trace file; after `tessera demo`, it names the demo's."""
    demo_file = data_dir() / "demo" / TRACES_FILENAME
    if demo_file.exists():
        hint = f"the demo's trace file is {demo_file}: pass --file {shlex.quote(str(demo_file))}"
    else:
        hint = "nothing traced there yet; `tessera demo` writes an example one, or pass --file"
    return click.ClickException(f"no trace file at {path} ({hint})")


def _fit(text: str, width: int) -> str:
    """``text`` shown safely in exactly ``width`` terminal cells: cut with ``…``, or padded."""
    text = printable(text)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def _local_time(iso: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00")).astimezone()
    except ValueError:
        return "?"
    return moment.strftime("%H:%M:%S.%f")[:-3]


def _failed(record: dict[str, Any]) -> bool:
    status = record.get("status")
    return isinstance(status, dict) and status.get("code") == "ERROR"


def _tail_row(record: dict[str, Any]) -> Text:
    attributes = record.get("attributes") or {}
    row = Text(no_wrap=True)
    row.append(f"{_local_time(record.get('start_time')):<{_TIME}} ", style="dim")
    row.append(f"{_duration(record.get('duration_ms')):>{_DURATION}} ")
    name = _fit(str(record.get("name", "")), _TAIL_NAME)
    row.append(f"{name} ", style="red" if _failed(record) else "")
    row.append(f"{_tokens(attributes):>{_TOKENS}} {_cost(attributes):>{_COST}}")
    return row


def _tail_header() -> Text:
    header = (
        f"{'TIME':<{_TIME}} {'DURATION':>{_DURATION}} {'SPAN':<{_TAIL_NAME}} "
        f"{'TOKENS IN/OUT':>{_TOKENS}} {'COST':>{_COST}}"
    )
    return Text(header, style="bold", no_wrap=True)


def _emit(out: Console, line: bytes, as_json: bool) -> None:
    if as_json:
        # The line as written, so `| jq` sees exactly what the file holds.
        sys.stdout.write(line.decode("utf-8", "replace"))
        sys.stdout.flush()
        return
    record = parse_line(line)
    if record is not None:
        out.print(_tail_row(record))


@traces.command()
@click.option("-n", "lines", type=click.IntRange(min=0), default=20, show_default=True)
@click.option("-f", "--follow", is_flag=True, help="Keep printing spans as they are written.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON lines.")
@file_option
def tail(lines: int, follow: bool, as_json: bool, file: Path | None) -> None:
    """Print the most recent spans: time, duration, name, tokens, cost."""
    path = _trace_file(file)
    if not follow and not path.exists():
        raise _no_trace_file(path)
    recent: deque[bytes] = deque(maxlen=lines)
    for line in read_lines(path):
        if parse_line(line) is not None:
            recent.append(line)
    out = console()
    if not as_json:
        out.print(_tail_header())
    for line in recent:
        _emit(out, line, as_json)
    if follow:
        try:
            for line in follow_lines(path):
                _emit(out, line, as_json)
        except KeyboardInterrupt:
            return


def _find_trace(path: Path, prefix: str) -> list[dict[str, Any]]:
    wanted = prefix.lower()
    matches: dict[str, list[dict[str, Any]]] = {}
    for record in read_records(path):
        trace_id = str(record.get("trace_id", ""))
        if trace_id.startswith(wanted):
            matches.setdefault(trace_id, []).append(record)
    if not matches:
        raise click.ClickException(f"no trace {prefix!r} in {path} or its backups")
    if len(matches) > 1:
        some = ", ".join(sorted(matches)[:3])
        raise click.ClickException(
            f"{len(matches)} traces start with {prefix!r} ({some}...); give more of the id"
        )
    (spans,) = matches.values()
    return spans


def _tree_lines(spans: list[dict[str, Any]]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(indented label, record) pairs, depth first, children by start time."""
    ids = {span["span_id"] for span in spans}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for span in spans:
        parent = span.get("parent_span_id")
        children.setdefault(parent if parent in ids else None, []).append(span)

    def walk(parent: str | None, prefix: str) -> Iterable[tuple[str, dict[str, Any]]]:
        kids = sorted(children.get(parent, []), key=lambda s: str(s.get("start_time")))
        for index, span in enumerate(kids):
            last = index == len(kids) - 1
            branch = "" if parent is None else ("└─ " if last else "├─ ")
            yield prefix + branch + str(span.get("name", "")), span
            deeper = prefix if parent is None else prefix + ("   " if last else "│  ")
            yield from walk(span["span_id"], deeper)

    return walk(None, "")


@traces.command()
@click.argument("trace_id")
@click.option("--json", "as_json", is_flag=True, help="Print the trace's raw JSON lines.")
@file_option
def show(trace_id: str, as_json: bool, file: Path | None) -> None:
    """Show one trace as a tree with durations, tokens and cost per span.

    TRACE_ID may be a prefix of the id when only one trace starts with it.
    """
    spans = _find_trace(_trace_file(file), trace_id)
    if as_json:
        for span in spans:
            click.echo(json.dumps(span, ensure_ascii=False, separators=(",", ":")))
        return
    calls = [s for s in spans if s.get("kind") == "CLIENT"]
    total_in = sum(s["attributes"].get(attr.GEN_AI_USAGE_INPUT_TOKENS) or 0 for s in calls)
    total_out = sum(s["attributes"].get(attr.GEN_AI_USAGE_OUTPUT_TOKENS) or 0 for s in calls)
    total_cost = sum(s["attributes"].get(attr.TESSERA_COST_USD) or 0 for s in calls)
    out = console()
    out.print(Text(f"trace {spans[0]['trace_id']}", style="bold", no_wrap=True))
    out.print(
        Text(
            f"{len(spans)} spans, {len(calls)} model calls, "
            f"tokens {total_in:,} in / {total_out:,} out, cost ${total_cost:.6f}",
            no_wrap=True,
        )
    )
    for label, span in _tree_lines(spans):
        attributes = span.get("attributes") or {}
        row = Text(no_wrap=True)
        row.append(f"{_fit(label, _TREE_LABEL)} ", style="red" if _failed(span) else "")
        row.append(f"{_duration(span.get('duration_ms')):>{_DURATION}} ")
        row.append(f"{_tokens(attributes):>{_TOKENS}} {_cost(attributes):>{_COST}}")
        out.print(row)


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@traces.command()
@click.option("--otlp", is_flag=True, help="OTLP JSON (ExportTraceServiceRequest), one per line.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
@click.option("--trace", "trace_id", default=None, help="Only this trace (an id or a prefix).")
@file_option
def export(otlp: bool, output: Path | None, trace_id: str | None, file: Path | None) -> None:
    """Export spans from the trace file and its backups for another backend."""
    if not otlp:
        raise click.UsageError("choose an export format: --otlp")
    path = _trace_file(file)
    if not path.exists() and trace_id is None:
        raise _no_trace_file(path)
    records: Iterable[dict[str, Any]] = (
        _find_trace(path, trace_id) if trace_id is not None else read_records(path)
    )
    lines = (
        json.dumps(export_request(batch), ensure_ascii=False, separators=(",", ":")) + "\n"
        for batch in _batches(records, _OTLP_BATCH)
    )
    _write(lines, output)


def _write(lines: Iterable[str], output: Path | None) -> None:
    if output is None:
        for line in lines:
            click.echo(line, nl=False)
        return
    try:
        with output.open("w", encoding="utf-8") as handle:
            handle.writelines(lines)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from exc
