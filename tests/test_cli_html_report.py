"""``tessera report --html``: the page's tables and charts carry the worked-out numbers.

The store is filled through the recording API (Observer.record with recorded
response bodies) plus two planner phases written with fixed start and end
times, so durations are known exactly. ``test_browser_report.py`` opens the
same page in headless Chromium.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.config import TesseraConfig
from tessera.demo import recordings as rec
from tessera.errors import UnpricedModelWarning
from tessera.records import TaskEnd, TaskStart
from tessera.runtime.observer import Observer

EVIL_AGENT = "<b>evil</b>"
EVIL_TEXT = "<img src=http://example.invalid/x.png>"

#: The agent table as shown: agent, tasks, successes, success rate, cost, unknown-cost calls
#: (average duration checked apart: the observed tasks take a few milliseconds).
AGENT_ROWS = [
    # coder: t1 $0.0027 ok + t2 $0.0126 failed = $0.0153, 1 of 2 → 50.0%.
    ["coder", "2", "1", "50.0%", "$0.015300", "0"],
    # reviewer: t3 $0.00844 + t4 (unknown model, no cost) → $0.00844, 1 call unknown.
    ["reviewer", "2", "2", "100.0%", "$0.008440", "1"],
    # Cost 0 agents by name: "<" sorts before "p".
    [EVIL_AGENT, "1", "1", "100.0%", "$0.000000", "0"],
    # planner: 120 s ok + 45 s failed, no calls.
    ["planner", "2", "1", "50.0%", "$0.000000", "0"],
]

#: Daily bars, oldest first: the back-dated call two days ago, an empty day, today.
DAY_COSTS = [
    # gpt-4o-mini 20,000 in × $0.15/MTok = $0.003
    Decimal("0.003"),
    Decimal("0"),
    # 0.0027 + 0.0126 + 0.00844 = 0.02374
    Decimal("0.02374"),
]

#: Tokens by kind over the five calls (inputs 10,000 + 3,400 + 4,000 + 300 + 20,000 = 37,700;
#: outputs 2,000 + 500 + 100 + 50 + 0 = 2,650).
TOKEN_ROWS = [
    # 37,700 − 4,048 − 400 = 33,252
    ["uncached input", "33,252"],
    # claude 2,000 + gpt-4o 2,048
    ["cache read", "4,048"],
    ["cache write", "400"],
    ["reasoning", "20"],
    # 2,650 − 20
    ["other output", "2,630"],
]


def fill_report_store(tmp_path: Path) -> Path:
    """A store with four agents, five calls over three days and known task durations."""
    db = tmp_path / "metrics.db"
    observer = Observer(db=db, traces_file=tmp_path / "traces.jsonl", config=TesseraConfig())
    now = datetime.now(UTC)
    with observer.run("html report test"):
        with observer.task("t1", agent_name="coder", phase="build"):
            # gpt-4o-mini 0.15 / 0.60 per MTok: 10,000×0.15 + 2,000×0.60 = 2,700 → $0.0027
            observer.record(rec.openai_chat("gpt-4o-mini", "a", 10_000, 2_000, response_id="r1"))
        with pytest.raises(RuntimeError), observer.task("t2", agent_name="coder", phase="build"):
            # claude-sonnet-4 3 / 15, cache read 0.30, cache write 3.75 per MTok:
            # 1,000×3 + 2,000×0.30 + 400×3.75 + 500×15 = 3,000 + 600 + 1,500 + 7,500
            # = 12,600 → $0.0126; input 1,000 + 2,000 + 400 = 3,400.
            usage = rec.anthropic_usage(1000, 500, cache_read=2000, cache_write_5m=400)
            observer.record(
                rec.anthropic_message("claude-sonnet-4-20250514", "b", usage, message_id="m2"),
                "anthropic",
            )
            raise RuntimeError("tests failed")
        with observer.task("t3", agent_name="reviewer", phase="review"):
            # gpt-4o 2.50 / 10, cached 1.25: 1,952×2.50 + 2,048×1.25 + 100×10 = 8,440 → $0.00844
            body = rec.openai_chat(
                "gpt-4o-2024-08-06", "c", 4000, 100, cached=2048, response_id="r3"
            )
            observer.record(body)
        with observer.task("t4", agent_name="reviewer", phase="review"), warnings.catch_warnings():
            # No price for this model: recorded with an unknown cost (warned once per process).
            warnings.simplefilter("ignore", UnpricedModelWarning)
            body = rec.openai_chat(
                "html-mystery-model", "d", 300, 50, reasoning=20, response_id="r4"
            )
            observer.record(body, "openai")
        with observer.task("t5", agent_name=EVIL_AGENT, description=EVIL_TEXT):
            pass
    # Outside any task, two days ago: gpt-4o-mini 20,000 × 0.15 = 3,000 → $0.003.
    old = rec.openai_chat("gpt-4o-mini", "e", 20_000, 0, response_id="r5")
    observer.record(old, "openai", started_at=now - timedelta(days=2))
    store = observer.store
    assert store is not None
    for task_id, seconds, ok in (("p1", 120, True), ("p2", 45, False)):
        start = now - timedelta(hours=1)
        store.start_task(TaskStart(task_id, "planner", start, description=f"plan {task_id}"))
        end = TaskEnd(
            task_id, "planner", "plan", None, start, start + timedelta(seconds=seconds), ok
        )
        store.finish_task(end)
    observer.shutdown()
    return db


class Page(HTMLParser):
    """Tables (by id) as rows of cell texts, and every element with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.elements.append((tag, found))
        if tag == "table":
            self._table = found.get("id") or ""
            self.tables[self._table] = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and self._table is not None:
            self.tables[self._table].append([])
        elif tag == "td" and self._table is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def with_class(self, tag: str, cls: str) -> list[dict[str, str | None]]:
        """Attributes of every ``tag`` element whose class list holds ``cls``."""
        return [a for t, a in self.elements if t == tag and cls in (a.get("class") or "").split()]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def check_page(page: Page) -> None:
    """The checks shared by the parsed file and Chromium's rendered DOM."""
    agents = page.tables["agents"]
    # Columns: agent, tasks, successes, rate, avg duration, cost, unknown.
    assert [row[:4] + row[5:] for row in agents] == AGENT_ROWS
    by_agent = {row[0]: row for row in agents}
    # planner: (120 + 45) / 2 = 82.5 s.
    assert by_agent["planner"][4] == "82.50s"
    assert by_agent[EVIL_AGENT][4].endswith("s")
    bars = page.with_class("rect", "bar")
    assert [Decimal(str(b["data-cost-usd"])) for b in bars] == DAY_COSTS
    today = datetime.now(UTC).date()
    assert [b["data-day"] for b in bars] == [
        (today - timedelta(days=n)).isoformat() for n in (2, 1, 0)
    ]
    # One bar per model, most expensive first; the unknown-cost model last at 0.
    hbars = page.with_class("rect", "hbar")
    assert [(b["data-name"], Decimal(str(b["data-value"]))) for b in hbars] == [
        # claude 0.0126; gpt-4o 0.00844; gpt-4o-mini 0.0027 + 0.003 = 0.0057.
        ("claude-sonnet-4-20250514", Decimal("0.0126")),
        ("gpt-4o-2024-08-06", Decimal("0.00844")),
        ("gpt-4o-mini", Decimal("0.0057")),
        ("html-mystery-model", Decimal("0")),
    ]
    models = {row[0]: row for row in page.tables["models"]}
    assert models["gpt-4o-mini"][1:5] == ["2", "30,000", "2,000", "$0.005700"]
    assert models["html-mystery-model"][4:] == ["unknown", "0.0%", "1"]
    assert [row[:2] for row in page.tables["tokens"]] == TOKEN_ROWS
    segments = page.with_class("rect", "seg")
    assert [int(str(s["data-tokens"])) for s in segments] == [33_252, 4_048, 400, 20, 2_630]
    slowest = page.tables["slowest"]
    # Seven finished phases (t1–t5, p1, p2), the two planner phases first.
    assert len(slowest) == 7
    assert [row[:5] for row in slowest[:2]] == [
        ["p1 plan p1", "planner", "plan", "ok", "120.00s"],
        ["p2 plan p2", "planner", "plan", "failed", "45.00s"],
    ]
    assert any(row[0] == f"t5 {EVIL_TEXT}" and row[1] == EVIL_AGENT for row in slowest)
    # t4's only call has no price: its cost is unknown, not $0.
    assert [row[5] for row in slowest if row[0] == "t4"] == ["unknown"]
    # The user's strings stayed text: no element came from them.
    assert not [tag for tag, _ in page.elements if tag in {"img", "b", "script"}]
    # Nothing to fetch: no attribute anywhere names a URL.
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert "://" not in (value or ""), (tag, name, value)


@pytest.fixture
def report_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("cost:\n  timezone: UTC\n")
    monkeypatch.setenv("TESSERA_CONFIG", str(config))
    return fill_report_store(tmp_path)


def test_html_report_numbers(
    report_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(report_db), "--html", str(out)]) == 0
    assert capsys.readouterr().err == f"wrote HTML report to {out}\n"
    html = out.read_text(encoding="utf-8")
    check_page(parse(html))
    assert "<script" not in html
    assert "&lt;b&gt;evil&lt;/b&gt;" in html and EVIL_AGENT not in html
    # Total known cost 0.0126 + 0.00844 + 0.0057 = 0.02674 over 5 calls, 1 unknown.
    assert "5 model calls, $0.026740 known cost, 1 with unknown cost" in html
    assert "times in UTC" in html


def test_html_report_of_an_empty_store(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert main(["db", "migrate", "--db", str(db)]) == 0
    out = tmp_path / "empty.html"
    assert main(["report", "--db", str(db), "--html", str(out)]) == 0
    page = parse(out.read_text(encoding="utf-8"))
    assert page.tables["agents"] == [["nothing recorded"]]
    assert page.with_class("rect", "bar") == []
    # Five token kinds, all zero.
    assert [int(str(s["data-tokens"])) for s in page.with_class("rect", "seg")] == [0] * 5


def test_unwritable_html_path_is_a_one_line_error(
    report_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-dir" / "r.html"
    assert main(["report", "--db", str(report_db), "--html", str(target)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no-such-dir" in err
