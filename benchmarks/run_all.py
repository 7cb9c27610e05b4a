"""Every performance figure of docs/performance.md, each beside its baseline, in one run.

Run: ``.venv/bin/python benchmarks/run_all.py [--runs 5] [--report-calls 1000000]
[--memory-calls 100000]``

1. Recording path per call (``Observer.record`` of an OpenAI body inside a
   task: usage, price, store write, span to the JSONL file) vs. the floor: a
   bare OpenTelemetry span with a no-op exporter plus one bare SQLite WAL
   insert (``BEGIN IMMEDIATE`` ... ``COMMIT``, ``synchronous=NORMAL``).
2. Price lookup + cost vs. ``genai_prices.calc_price`` (``bench_pricing``).
3. Bulk ingest with ``tessera.store.bulk.record_calls`` vs. a bare
   ``executemany`` of ready-made rows into the same table (the floor), and
   ``MetricsStore.import_database`` of another Tessera file vs. a bare
   ``ATTACH`` + ``INSERT ... SELECT`` of its calls.
4. ``tessera report`` and ``tessera costs --by day`` over N calls, in process
   and as a fresh process, vs. the bare SQL ``GROUP BY`` they rest on.
5. ``import tessera.observability`` and ``tessera --help`` vs. a bare
   ``python -c pass``, fresh processes.
6. Memory while recording many calls through the recording path: RSS and
   tracemalloc-free heap samples at tenths of the run.

Every figure is the median of ``--runs`` runs, all in this one process (or
its children), so a figure and its baseline saw the same machine load.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tessera.config import TesseraConfig  # noqa: E402
from tessera.records import CallRecord  # noqa: E402
from tessera.runtime.observer import Observer  # noqa: E402
from tessera.store import MetricsStore  # noqa: E402
from tessera.store.bulk import _INSERT, _row, record_calls  # noqa: E402
from tessera.usage import Usage  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def machine() -> str:
    """nproc, CPU model, Python and load average, for the figures' header."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, load {load}"
    )


def median_of(runs: int, bench: Callable[[], float]) -> float:
    return statistics.median(bench() for _ in range(runs))


def line(name: str, value: str, baseline: str, ratio: str, goal: str) -> None:
    print(f"  {name:<34} {value:>14} {baseline:>14} {ratio:>9}  {goal}")


def header(title: str) -> None:
    print(f"\n{title}")
    line("", "tessera", "baseline", "ratio", "goal")


def body(index: int) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "model": "gpt-4o",
        "choices": [],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
    }


# 1. recording path -------------------------------------------------------


class _NoOp(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _recording(calls: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        observer = Observer(
            db=Path(tmp) / "m.db", traces_file=Path(tmp) / "t.jsonl", config=TesseraConfig()
        )
        observer.record(body(-1), provider="openai")  # open, migrate, load prices
        with observer.task("bench", agent_name="bench"):
            start = time.perf_counter()
            for index in range(calls):
                observer.record(body(index), provider="openai")
            elapsed = time.perf_counter() - start
        observer.shutdown()
    return elapsed / calls


def _floor(calls: int) -> float:
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(_NoOp()))
    tracer = provider.get_tracer("floor")
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "f.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("CREATE TABLE calls (id TEXT PRIMARY KEY, tokens INTEGER, cost INTEGER)")
        start = time.perf_counter()
        for index in range(calls):
            with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT) as span:
                span.set_attribute("gen_ai.usage.input_tokens", 1000)
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO calls VALUES (?, ?, ?)", (str(index), 1100, 3500))
                conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
    return elapsed / calls


def bench_recording(runs: int, calls: int) -> None:
    header(f"1. recording path, {calls} calls per run (us per call)")
    ours = median_of(runs, lambda: _recording(calls))
    floor = median_of(runs, lambda: _floor(calls))
    line(
        "Observer.record vs span+insert",
        f"{ours * 1e6:.0f}",
        f"{floor * 1e6:.0f}",
        f"{ours / floor:.2f}x",
        "<= 1.5x",
    )


# 2. pricing --------------------------------------------------------------


def bench_price(runs: int) -> None:
    import bench_pricing

    print("\n2. price lookup + cost (bench_pricing.bench_lookup)")
    bench_pricing.bench_lookup(runs, 20_000)


# 3. bulk ingest ----------------------------------------------------------


def records(count: int, days: int = 30) -> Iterator[CallRecord]:
    """``count`` priced calls spread over ``days`` days, seven agents, three models."""
    models = [("gpt-4o", Decimal("0.0035")), ("gpt-4o-mini", Decimal("0.00021")),
              ("o3-mini", Decimal("0.00154"))]  # fmt: skip
    usages = [Usage("openai", m, 1000, 100, 1100, reported=True, raw={"n": 1}) for m, _ in models]
    step = timedelta(seconds=days * 86_400 / max(count, 1))
    for index in range(count):
        at = T0 + step * index
        which = index % 3
        yield CallRecord(
            call_id=f"c{index}",
            operation_id=f"c{index}",
            provider="openai",
            started_at=at,
            ended_at=at + timedelta(milliseconds=800),
            usage=usages[which],
            cost_status="priced",
            cost_usd=models[which][1],
            agent_name=f"agent-{index % 7}",
            task_id=f"task-{index // 50}",
            request_model=models[which][0],
        )


def _bulk(calls: int) -> float:
    batch = list(records(calls))
    with tempfile.TemporaryDirectory() as tmp, MetricsStore(Path(tmp) / "b.db") as store:
        store.totals()
        start = time.perf_counter()
        record_calls(store, batch)
        return calls / (time.perf_counter() - start)


def _bulk_floor(calls: int) -> float:
    rows = [_row(r) for r in records(calls)]
    with tempfile.TemporaryDirectory() as tmp, MetricsStore(Path(tmp) / "b.db") as store:
        store.totals()
        conn = sqlite3.connect(store.path, isolation_level=None)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT, rows)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
        return calls / elapsed


def _import(source: Path, calls: int) -> float:
    with tempfile.TemporaryDirectory() as tmp, MetricsStore(Path(tmp) / "i.db") as store:
        store.totals()
        start = time.perf_counter()
        result = store.import_database(source)
        elapsed = time.perf_counter() - start
        assert result.written["llm_calls"] == calls, result
        return calls / elapsed


def _import_floor(source: Path, calls: int) -> float:
    with tempfile.TemporaryDirectory() as tmp, MetricsStore(Path(tmp) / "i.db") as store:
        store.totals()
        conn = sqlite3.connect(store.path, isolation_level=None)
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO main.llm_calls SELECT * FROM src.llm_calls")
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
        return calls / elapsed


def bench_bulk(runs: int, calls: int) -> None:
    header(f"3. bulk ingest, {calls:,} calls per run (calls per second)")
    ours = median_of(runs, lambda: _bulk(calls))
    floor = median_of(runs, lambda: _bulk_floor(calls))
    line(
        "record_calls vs bare executemany",
        f"{ours:,.0f}",
        f"{floor:,.0f}",
        f"{floor / ours:.2f}x",
        ">= 100,000/s",
    )
    # Importing another Tessera file (a host's backup): rows copied inside SQLite.
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "host.db"
        with MetricsStore(source) as host:
            record_calls(host, records(calls))
        ours = median_of(runs, lambda: _import(source, calls))
        floor = median_of(runs, lambda: _import_floor(source, calls))
    line(
        "import_database vs bare INSERT SELECT",
        f"{ours:,.0f}",
        f"{floor:,.0f}",
        f"{floor / ours:.2f}x",
        ">= 100,000/s",
    )


# 4. reports over many calls ----------------------------------------------


def _in_process(argv: list[str]) -> float:
    from tessera.cli import main

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    elapsed = time.perf_counter() - start
    assert code == 0, argv
    return elapsed


def _fresh(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [_tessera(), *argv],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def _tessera() -> str:
    return str(Path(sys.executable).with_name("tessera"))


def _sql(db: Path, sql: str) -> float:
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    conn.execute(sql).fetchall()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def _performance_rows(db: Path, calls: int) -> None:
    # `tessera report` reads agent_performance: one row per finished task of 50 calls.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        """INSERT INTO agent_performance (agent_name, task_id, phase, success,
               duration_seconds, cost_usd, cost_pusd, quality_score, timestamp, calls)
           VALUES (?, ?, 'implementation', ?, 40.0, 0.1, 100000000000, 0.9, ?, 50)""",
        (
            (
                f"agent-{t % 7}",
                f"task-{t}",
                int(t % 10 != 0),
                f"2026-01-{1 + t % 28:02d}T12:00:00.000Z",
            )
            for t in range(calls // 50)
        ),
    )
    conn.execute("COMMIT")
    conn.close()


def bench_reports(runs: int, calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "big.db"
        built = time.perf_counter()
        with MetricsStore(db) as store:
            record_calls(store, records(calls))
        _performance_rows(db, calls)
        print(f"\n4. reports over {calls:,} calls (built in {time.perf_counter() - built:.1f} s)")
        line("", "tessera", "bare SQL", "ratio", "goal")
        day_sql = (
            "SELECT substr(started_at, 1, 10), COUNT(*), SUM(cost_pusd) FROM llm_calls GROUP BY 1"
        )
        report_sql = (
            "SELECT agent_name, COUNT(*), SUM(success), AVG(duration_seconds), SUM(cost_pusd)"
            " FROM agent_performance GROUP BY agent_name"
        )
        for name, argv, sql in (
            ("report", ["report", "--db", str(db)], report_sql),
            ("costs --by day", ["costs", "--by", "day", "--db", str(db)], day_sql),
        ):
            _in_process(argv)  # warm the page cache
            inside = median_of(runs, partial(_in_process, argv))
            fresh = median_of(runs, partial(_fresh, argv))
            bare = median_of(runs, partial(_sql, db, sql))
            line(f"{name} (in process)", f"{inside:.3f} s", f"{bare:.3f} s",
                 f"{inside / bare:.1f}x", "< 0.5 s")  # fmt: skip
            line(f"{name} (fresh process)", f"{fresh:.3f} s", "", "", "< 0.5 s")


# 5. start-up -------------------------------------------------------------


def _startup(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_startup(runs: int) -> None:
    header("5. start-up, fresh process (ms)")
    bare = median_of(runs, lambda: _startup([sys.executable, "-c", "pass"]))
    imp = median_of(runs, lambda: _startup([sys.executable, "-c", "import tessera.observability"]))
    helped = median_of(runs, lambda: _startup([_tessera(), "--help"]))
    line("import tessera.observability", f"{imp * 1e3:.0f}", f"{bare * 1e3:.0f}",
         f"{imp / bare:.1f}x", "< 150 ms")  # fmt: skip
    line("tessera --help", f"{helped * 1e3:.0f}", f"{bare * 1e3:.0f}",
         f"{helped / bare:.1f}x", "< 300 ms")  # fmt: skip


# 6. memory ---------------------------------------------------------------


def _rss_kib() -> int:
    for text in Path("/proc/self/status").read_text().splitlines():
        if text.startswith("VmRSS:"):
            return int(text.split()[1])
    return 0


def bench_memory(calls: int) -> None:
    print(f"\n6. memory while recording {calls:,} calls through Observer.record (RSS, MiB)")
    samples: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        observer = Observer(
            db=Path(tmp) / "m.db", traces_file=Path(tmp) / "t.jsonl", config=TesseraConfig()
        )
        tenth = max(calls // 10, 1)
        index = 0
        while index < calls:
            # Tasks of 1000 calls, as a long-running agent team would open them.
            with observer.task(agent_name=f"agent-{index // 1000 % 7}"):
                for _ in range(min(1000, calls - index)):
                    observer.record(body(index), provider="openai")
                    index += 1
                    if index % tenth == 0:
                        samples.append((index, _rss_kib() / 1024))
        observer.shutdown()
    print("  " + "  ".join(f"{n:,}: {mib:.1f}" for n, mib in samples))
    if len(samples) >= 3:
        first, last = samples[1][1], samples[-1][1]
        print(f"  growth from 20% to 100% of the run: {last - first:+.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--record-calls", type=int, default=2000)
    parser.add_argument("--bulk-calls", type=int, default=200_000)
    parser.add_argument("--report-calls", type=int, default=1_000_000)
    parser.add_argument("--memory-calls", type=int, default=100_000)
    parser.add_argument("--only", nargs="*", default=None, help="section numbers to run")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"median of {args.runs} runs")
    sections: dict[str, Callable[[], None]] = {
        "1": lambda: bench_recording(args.runs, args.record_calls),
        "2": lambda: bench_price(args.runs),
        "3": lambda: bench_bulk(args.runs, args.bulk_calls),
        "4": lambda: bench_reports(args.runs, args.report_calls),
        "5": lambda: bench_startup(args.runs),
        "6": lambda: bench_memory(args.memory_calls),
    }
    for key, run in sections.items():
        if args.only is None or key in args.only:
            run()


if __name__ == "__main__":
    main()
