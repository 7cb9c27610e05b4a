"""QualityMonitor: the stop rules of DESIGN §10, validation, resume, and the history renderer."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tessera.errors import TesseraError
from tessera.workflow import (
    QualityInputError,
    QualityIteration,
    QualityMonitor,
    render_history,
)

# One round: (coverage, quality_score, tasks_completed, cost_usd). Rounds are recorded
# as iterations 1, 2, 3, ... in order.
Round = tuple[float, float, int, float | None]


def _now_ms() -> datetime:
    # recorded_at is kept to the millisecond, like the store's ISO times.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _feed(monitor: QualityMonitor, rounds: Sequence[Round]) -> None:
    for number, (coverage, quality, tasks, cost) in enumerate(rounds, start=1):
        monitor.record_iteration(
            iteration=number,
            coverage=coverage,
            quality_score=quality,
            tasks_completed=tasks,
            cost_usd=cost,
        )


@dataclass(frozen=True)
class _Row:
    iteration: int
    coverage: float
    quality_score: float
    tasks_completed: int
    cost_usd: Decimal | float | None
    recorded_at: datetime | str


class FakeStore:
    """In-memory stand-in for MetricsStore's quality methods (the QualityStore protocol)."""

    def __init__(self, spend: Decimal = Decimal(0), fail_writes: bool = False) -> None:
        self.rows: dict[tuple[str, str], list[_Row]] = {}
        self.writes: list[dict[str, Any]] = []
        self.spend = spend
        self.fail_writes = fail_writes

    def record_quality_iteration(
        self,
        run_id: str,
        monitor: str,
        iteration: int,
        coverage: float,
        quality_score: float,
        tasks_completed: int,
        cost_usd: Decimal | None,
        recorded_at: datetime,
    ) -> None:
        if self.fail_writes:
            raise OSError("disk full")
        self.writes.append({"run_id": run_id, "monitor": monitor, "iteration": iteration})
        row = _Row(iteration, coverage, quality_score, tasks_completed, cost_usd, recorded_at)
        self.rows.setdefault((run_id, monitor), []).append(row)

    def quality_iterations(
        self, run_id: str | None = None, monitor: str | None = None
    ) -> list[_Row]:
        assert run_id is not None and monitor is not None
        # Newest first on purpose: the monitor must not rely on the store's order.
        return list(reversed(self.rows.get((run_id, monitor), [])))

    def run_spend(self, run_id: str) -> Decimal:
        return self.spend


# --- the seed ---------------------------------------------------------------------------


def test_seed_usage_works_as_written() -> None:
    from tessera.workflow import QualityMonitor

    monitor = QualityMonitor()
    monitor.record_iteration(iteration=1, coverage=75.0, quality_score=0.85, tasks_completed=5)
    should_continue, reason = monitor.should_continue(iteration=5)

    # Default max_iterations is 5 and iteration 5 is done: 5 >= 5 stops.
    assert should_continue is False
    assert reason == "maximum iterations reached: iteration 5 ≥ max 5"
    assert [it.iteration for it in monitor.iterations] == [1]


# --- every rule, table-driven ----------------------------------------------------------

RULE_CASES = [
    pytest.param(
        {},
        [],
        1,
        True,
        "no iterations recorded yet, iteration 1 < max 5: continue",
        id="no-iterations-continue",
    ),
    pytest.param(
        {},
        [],
        5,
        False,
        "maximum iterations reached: iteration 5 ≥ max 5",
        id="no-iterations-but-max-reached",
    ),
    pytest.param(
        {},
        [(75.0, 0.85, 5, None)],
        1,
        True,
        "coverage 75.0 < 90.0, quality 0.85 < 0.90; first iteration recorded: continue",
        id="single-iteration-continue",
    ),
    pytest.param(
        {"max_iterations": 3},
        [(70.0, 0.80, 2, None), (80.0, 0.85, 2, None), (95.0, 0.95, 2, None)],
        3,
        False,
        # Targets are met too, but the maximum is checked first.
        "maximum iterations reached: iteration 3 ≥ max 3",
        id="max-reached-before-targets",
    ),
    pytest.param(
        {"max_iterations": 3},
        [(70.0, 0.80, 2, None), (80.0, 0.85, 2, None)],
        2,
        True,
        # 2 < 3; gains since iteration 1: 80 - 70 = +10.0, 0.85 - 0.80 = +0.05.
        "coverage 80.0 < 90.0, quality 0.85 < 0.90; "
        "improving (coverage +10.0, quality +0.05 since iteration 1): continue",
        id="one-below-max-continue",
    ),
    pytest.param(
        {},
        [(80.0, 0.88, 4, None), (91.0, 0.93, 4, None)],
        2,
        False,
        "coverage 91.0 ≥ 90.0 and quality 0.93 ≥ 0.90: targets met",
        id="targets-met",
    ),
    pytest.param(
        {},
        [(90.0, 0.90, 4, None)],
        1,
        False,
        "coverage 90.0 ≥ 90.0 and quality 0.90 ≥ 0.90: targets met",
        id="targets-exactly-at-target-count-as-met",
    ),
    pytest.param(
        {},
        [(90.0, 0.3 * 3, 4, None)],
        1,
        False,
        # 0.3 * 3 == 0.8999999999999999 in floats: still 0.90 for a person.
        "coverage 90.0 ≥ 90.0 and quality 0.90 ≥ 0.90: targets met",
        id="targets-met-despite-float-rounding",
    ),
    pytest.param(
        {},
        [(92.0, 0.85, 4, None)],
        1,
        True,
        "coverage 92.0 ≥ 90.0, quality 0.85 < 0.90; first iteration recorded: continue",
        id="only-coverage-met-continue",
    ),
    pytest.param(
        {},
        [(89.9, 0.95, 4, None)],
        1,
        True,
        "coverage 89.9 < 90.0, quality 0.95 ≥ 0.90; first iteration recorded: continue",
        id="coverage-just-below-target-continue",
    ),
    pytest.param(
        {"max_cost_usd": 2.0},
        [(70.0, 0.80, 3, 0.75), (75.0, 0.84, 3, 1.25)],
        2,
        False,
        # 0.75 + 1.25 = 2.00, exactly the cap: the budget is spent.
        "budget spent: iteration costs $2.00 ≥ cap $2.00",
        id="budget-exactly-at-cap",
    ),
    pytest.param(
        {"max_cost_usd": 2.0},
        [(70.0, 0.80, 3, 0.75), (75.0, 0.84, 3, 1.26)],
        2,
        False,
        # 0.75 + 1.26 = 2.01 > 2.00.
        "budget spent: iteration costs $2.01 ≥ cap $2.00",
        id="budget-just-over-cap",
    ),
    pytest.param(
        {"max_cost_usd": 2.0},
        [(70.0, 0.80, 3, 0.75), (75.0, 0.84, 3, 1.24)],
        2,
        True,
        # 0.75 + 1.24 = 1.99 < 2.00; gains 75 - 70 = +5.0 and 0.84 - 0.80 = +0.04.
        "coverage 75.0 < 90.0, quality 0.84 < 0.90; "
        "improving (coverage +5.0, quality +0.04 since iteration 1): continue",
        id="budget-just-under-cap-continue",
    ),
    pytest.param(
        {"max_cost_usd": "2.00"},
        [(70.0, 0.80, 3, None), (75.0, 0.84, 3, 2.0)],
        2,
        False,
        # An unknown cost counts as 0: 0 + 2.0 = 2.00.
        "budget spent: iteration costs $2.00 ≥ cap $2.00",
        id="budget-unknown-cost-counts-zero",
    ),
    pytest.param(
        {"max_cost_usd": 0.5},
        [(70.0, 0.80, 3, 0.3), (91.0, 0.91, 3, 0.3)],
        2,
        False,
        # 0.6 > 0.5 too, but targets are checked before the budget.
        "coverage 91.0 ≥ 90.0 and quality 0.91 ≥ 0.90: targets met",
        id="targets-checked-before-budget",
    ),
    pytest.param(
        {"max_cost_usd": 0.5},
        [(70.0, 0.85, 3, 0.3), (75.0, 0.80, 3, 0.3)],
        2,
        False,
        # Quality fell too, but 0.3 + 0.3 = 0.60 ≥ 0.50 is checked first.
        "budget spent: iteration costs $0.60 ≥ cap $0.50",
        id="budget-checked-before-regression",
    ),
    pytest.param(
        {},
        [(70.0, 0.85, 3, None), (78.0, 0.80, 3, None)],
        2,
        False,
        # Coverage rose by 8, yet quality fell 0.85 - 0.80 = 0.05 > 0.005.
        "quality regressed: 0.80 at iteration 2 < 0.85 at iteration 1 "
        "(drop 0.05 > tolerance 0.005)",
        id="regression",
    ),
    pytest.param(
        {},
        [(70.0, 0.85, 3, None), (72.0, 0.846, 3, None)],
        2,
        True,
        # Drop 0.85 - 0.846 = 0.004 ≤ 0.005: noise, not a regression.
        "coverage 72.0 < 90.0, quality 0.846 < 0.90; "
        "improving (coverage +2.0, quality -0.004 since iteration 1): continue",
        id="drop-within-tolerance-continue",
    ),
    pytest.param(
        {},
        [(70.0, 0.85, 3, None), (72.0, 0.845, 3, None)],
        2,
        True,
        # Drop exactly 0.005 (0.0050000000000000044 in floats) is not more than the tolerance.
        "coverage 72.0 < 90.0, quality 0.845 < 0.90; "
        "improving (coverage +2.0, quality -0.005 since iteration 1): continue",
        id="drop-exactly-at-tolerance-continue",
    ),
    pytest.param(
        {},
        [(80.0, 0.85, 3, None), (80.0, 0.85, 3, None), (80.0, 0.80, 3, None)],
        3,
        False,
        # Also a plateau over the last 2, but regression is checked first.
        "quality regressed: 0.80 at iteration 3 < 0.85 at iteration 2 "
        "(drop 0.05 > tolerance 0.005)",
        id="regression-checked-before-plateau",
    ),
    pytest.param(
        {},
        [(80.0, 0.85, 3, None), (80.5, 0.855, 3, None), (80.9, 0.859, 3, None)],
        3,
        False,
        # patience 2: iteration 3 vs iteration 1: 80.9 - 80 = 0.9 < 1.0 and
        # 0.859 - 0.85 = 0.009 < 1.0 / 100 = 0.01.
        "plateau: coverage +0.9 < 1.0 and quality +0.009 < 0.01 over the last 2 iterations "
        "(since iteration 1)",
        id="plateau-of-exactly-patience-rounds",
    ),
    pytest.param(
        {},
        [(80.0, 0.85, 3, None), (80.5, 0.855, 3, None)],
        2,
        True,
        # Only 1 round after iteration 1; a plateau needs patience (2) rounds.
        "coverage 80.5 < 90.0, quality 0.855 < 0.90; coverage +0.5, quality +0.005 since "
        "iteration 1, too few iterations to call a plateau: continue",
        id="one-round-short-of-plateau-continue",
    ),
    pytest.param(
        {},
        [
            (60.0, 0.70, 3, None),
            (70.0, 0.80, 3, None),
            (70.5, 0.805, 3, None),
            (70.9, 0.809, 3, None),
        ],
        4,
        False,
        # Window is iterations 2..4 only: 70.9 - 70 = 0.9 and 0.809 - 0.80 = 0.009.
        "plateau: coverage +0.9 < 1.0 and quality +0.009 < 0.01 over the last 2 iterations "
        "(since iteration 2)",
        id="plateau-window-ignores-older-gains",
    ),
    pytest.param(
        {},
        [(80.0, 0.85, 3, None), (80.5, 0.85, 3, None), (81.0, 0.85, 3, None)],
        3,
        True,
        # 81 - 80 = 1.0: exactly min_improvement counts as improving.
        "coverage 81.0 < 90.0, quality 0.85 < 0.90; "
        "improving (coverage +1.0, quality +0.00 since iteration 1): continue",
        id="coverage-gain-exactly-min-improvement",
    ),
    pytest.param(
        {},
        [(63.1, 0.50, 3, None), (63.5, 0.50, 3, None), (64.1, 0.50, 3, None)],
        3,
        True,
        # 64.1 - 63.1 is 0.9999999999999929 in floats: still one point.
        "coverage 64.1 < 90.0, quality 0.50 < 0.90; "
        "improving (coverage +1.0, quality +0.00 since iteration 1): continue",
        id="coverage-gain-of-one-point-despite-float-rounding",
    ),
    pytest.param(
        {},
        [(70.0, 0.56, 3, None), (70.0, 0.565, 3, None), (70.0, 0.57, 3, None)],
        3,
        True,
        # 0.57 - 0.56 is 0.009999999999999898 in floats: still the 0.01 needed.
        "coverage 70.0 < 90.0, quality 0.57 < 0.90; "
        "improving (coverage +0.0, quality +0.01 since iteration 1): continue",
        id="quality-gain-exactly-min-improvement",
    ),
    pytest.param(
        {"patience": 1},
        [(80.0, 0.85, 3, None), (80.2, 0.851, 3, None)],
        2,
        False,
        # patience 1: iteration 2 vs 1: +0.2 < 1.0 and +0.001 < 0.01.
        "plateau: coverage +0.2 < 1.0 and quality +0.001 < 0.01 over the last 1 iteration "
        "(since iteration 1)",
        id="plateau-patience-one",
    ),
    pytest.param(
        {"min_improvement": 5.0, "max_iterations": 10},
        [(70.0, 0.80, 3, None), (72.0, 0.83, 3, None), (74.0, 0.84, 3, None)],
        3,
        False,
        # min_improvement 5 points: 74 - 70 = 4 < 5 and 0.84 - 0.80 = 0.04 < 5 / 100 = 0.05.
        "plateau: coverage +4.0 < 5.0 and quality +0.04 < 0.05 over the last 2 iterations "
        "(since iteration 1)",
        id="plateau-custom-min-improvement",
    ),
]


@pytest.mark.parametrize(("settings", "rounds", "ask", "expected", "reason"), RULE_CASES)
def test_rules(
    settings: dict[str, Any], rounds: list[Round], ask: int, expected: bool, reason: str
) -> None:
    monitor = QualityMonitor(**settings)
    _feed(monitor, rounds)

    assert monitor.should_continue(iteration=ask) == (expected, reason)


# --- budget from the store -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spend", "expected", "reason"),
    [
        pytest.param(
            Decimal("3.10"), False, "budget spent: run run-1 spend $3.10 ≥ cap $3.00", id="over"
        ),
        pytest.param(
            Decimal("3.00"), False, "budget spent: run run-1 spend $3.00 ≥ cap $3.00", id="at"
        ),
        pytest.param(
            Decimal("2.999"),
            True,
            "no iterations recorded yet, iteration 1 < max 5: continue",
            id="under",
        ),
    ],
)
def test_budget_reads_the_runs_spend_from_the_store(
    spend: Decimal, expected: bool, reason: str
) -> None:
    # The run spent money before any iteration (a planner, say): the store's spend counts.
    store = FakeStore(spend=spend)
    monitor = QualityMonitor(max_cost_usd=3, store=store, run_id="run-1")

    assert monitor.should_continue(iteration=1) == (expected, reason)


def test_store_spend_wins_over_iteration_costs() -> None:
    # Iteration costs say 0.10 + 0.10 = 0.20 of a 1.00 cap, but the run spent 1.25.
    store = FakeStore(spend=Decimal("1.25"))
    monitor = QualityMonitor(max_cost_usd=Decimal("1.00"), store=store, run_id="run-1")
    _feed(monitor, [(70.0, 0.80, 3, 0.10), (75.0, 0.84, 3, 0.10)])

    assert monitor.should_continue(iteration=2) == (
        False,
        "budget spent: run run-1 spend $1.25 ≥ cap $1.00",
    )


def test_small_costs_keep_every_digit() -> None:
    # 0.0123 + 0.0123 = 0.0246 of a 0.02 cap; cents alone would print $0.02.
    monitor = QualityMonitor(max_cost_usd=0.02)
    _feed(monitor, [(70.0, 0.80, 3, 0.0123), (75.0, 0.84, 3, 0.0123)])

    assert monitor.should_continue(iteration=2) == (
        False,
        "budget spent: iteration costs $0.0246 ≥ cap $0.02",
    )


# --- persistence and resume ------------------------------------------------------------


def test_iterations_are_written_through_the_store_and_resumed() -> None:
    store = FakeStore()
    first = QualityMonitor(store=store, run_id="run-1", name="improve")
    before = _now_ms()
    _feed(first, [(70.0, 0.80, 4, 0.25), (80.0, 0.85, 3, None)])
    after = datetime.now(UTC)

    assert store.writes == [
        {"run_id": "run-1", "monitor": "improve", "iteration": 1},
        {"run_id": "run-1", "monitor": "improve", "iteration": 2},
    ]
    stored = store.rows[("run-1", "improve")][0]
    assert stored.cost_usd == Decimal("0.25")
    assert isinstance(stored.recorded_at, datetime)
    assert before <= stored.recorded_at <= after
    assert stored.recorded_at.microsecond % 1000 == 0

    # A restart: a new monitor with the same store, run and name picks up where it was.
    resumed = QualityMonitor(store=store, run_id="run-1", name="improve")
    assert resumed.iterations == first.iterations
    assert [it.iteration for it in resumed.iterations] == [1, 2]

    with pytest.raises(QualityInputError, match="iteration 2 is repeated"):
        resumed.record_iteration(iteration=2, coverage=81.0, quality_score=0.86, tasks_completed=1)

    resumed.record_iteration(iteration=3, coverage=80.5, quality_score=0.855, tasks_completed=1)
    # The plateau window reaches back into the resumed history: iteration 3 vs 1 gains
    # 80.5 - 70 = +10.5, so it still counts as improving.
    assert resumed.should_continue(iteration=3) == (
        True,
        "coverage 80.5 < 90.0, quality 0.855 < 0.90; "
        "improving (coverage +10.5, quality +0.055 since iteration 1): continue",
    )


def test_resume_is_scoped_to_run_and_name() -> None:
    store = FakeStore()
    _feed(QualityMonitor(store=store, run_id="run-1", name="a"), [(70.0, 0.80, 4, None)])

    assert QualityMonitor(store=store, run_id="run-1", name="b").iterations == ()
    assert QualityMonitor(store=store, run_id="run-2", name="a").iterations == ()


def test_resume_accepts_iso_text_times_and_float_costs() -> None:
    store = FakeStore()
    store.rows[("run-1", "default")] = [
        _Row(1, 70.0, 0.8, 4, 0.25, "2026-12-03T15:34:06.123Z"),
    ]

    (loaded,) = QualityMonitor(store=store, run_id="run-1").iterations

    assert loaded == QualityIteration(
        iteration=1,
        coverage=70.0,
        quality_score=0.8,
        tasks_completed=4,
        cost_usd=Decimal("0.25"),
        recorded_at=datetime(2026, 12, 3, 15, 34, 6, 123000, tzinfo=UTC),
    )


def test_resume_rejects_bad_stored_rows() -> None:
    store = FakeStore()
    store.rows[("run-1", "default")] = [_Row(1, 170.0, 0.8, 4, None, "2026-12-03T15:34:06Z")]

    with pytest.raises(QualityInputError, match="stored .*coverage must be from 0 to 100"):
        QualityMonitor(store=store, run_id="run-1")


def test_failed_store_write_records_nothing_in_memory() -> None:
    monitor = QualityMonitor(store=FakeStore(fail_writes=True), run_id="run-1")

    with pytest.raises(OSError, match="disk full"):
        monitor.record_iteration(iteration=1, coverage=70.0, quality_score=0.8, tasks_completed=1)
    assert monitor.iterations == ()


def test_memory_only_without_a_store() -> None:
    monitor = QualityMonitor()
    before = _now_ms()
    record = monitor.record_iteration(
        iteration=1, coverage=75, quality_score=1, tasks_completed=0, cost_usd=0.1
    )

    assert monitor.iterations == (record,)
    assert (record.coverage, record.quality_score, record.cost_usd) == (75.0, 1.0, Decimal("0.1"))
    assert before <= record.recorded_at <= datetime.now(UTC)


def test_iterations_are_read_only() -> None:
    monitor = QualityMonitor()
    _feed(monitor, [(70.0, 0.80, 4, None)])
    history = monitor.iterations

    with pytest.raises(dataclasses.FrozenInstanceError):
        history[0].coverage = 99.0  # type: ignore[misc]
    assert isinstance(history, tuple)
    assert monitor.iterations[0].coverage == 70.0


# --- validation ------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "iteration": 3,
    "coverage": 75.0,
    "quality_score": 0.85,
    "tasks_completed": 5,
    "cost_usd": 0.5,
}

BAD_ITERATIONS = [
    pytest.param({"coverage": -0.1}, "coverage must be from 0 to 100", id="coverage-negative"),
    pytest.param({"coverage": 100.1}, "coverage must be from 0 to 100", id="coverage-over-100"),
    pytest.param({"coverage": math.nan}, "coverage must be a finite number", id="coverage-nan"),
    pytest.param({"coverage": math.inf}, "coverage must be a finite number", id="coverage-inf"),
    pytest.param({"coverage": "75"}, "coverage must be a number", id="coverage-text"),
    pytest.param(
        {"quality_score": -0.01}, "quality_score must be from 0 to 1", id="quality-negative"
    ),
    pytest.param({"quality_score": 1.01}, "quality_score must be from 0 to 1", id="quality-over-1"),
    pytest.param({"quality_score": 85}, "quality_score must be from 0 to 1", id="quality-percent"),
    pytest.param(
        {"quality_score": math.nan}, "quality_score must be a finite number", id="quality-nan"
    ),
    pytest.param(
        {"tasks_completed": -1}, "tasks_completed must be at least 0", id="tasks-negative"
    ),
    pytest.param({"tasks_completed": 2.5}, "tasks_completed must be an integer", id="tasks-float"),
    pytest.param({"cost_usd": -0.01}, "cost_usd must not be negative", id="cost-negative"),
    pytest.param({"cost_usd": math.nan}, "cost_usd must be a finite", id="cost-nan"),
    pytest.param({"cost_usd": "lots"}, "cost_usd must be a dollar amount", id="cost-text"),
    pytest.param({"iteration": 0}, "iteration must be at least 1", id="iteration-zero"),
    pytest.param({"iteration": -1}, "iteration must be at least 1", id="iteration-negative"),
    pytest.param({"iteration": True}, "iteration must be an integer", id="iteration-bool"),
    pytest.param(
        {"iteration": 2},
        "iteration 2 is repeated: the last recorded iteration is 2",
        id="iteration-repeated",
    ),
    pytest.param(
        {"iteration": 1},
        "iteration 1 is out of order: the last recorded iteration is 2",
        id="iteration-out-of-order",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_ITERATIONS)
def test_bad_iteration_is_refused_and_nothing_is_stored(
    change: dict[str, Any], message: str
) -> None:
    store = FakeStore()
    monitor = QualityMonitor(store=store, run_id="run-1")
    monitor.record_iteration(iteration=2, coverage=70.0, quality_score=0.8, tasks_completed=1)
    before = monitor.iterations

    with pytest.raises(QualityInputError, match=message) as caught:
        monitor.record_iteration(**{**GOOD, **change})

    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, TesseraError)
    assert monitor.iterations == before
    assert [row.iteration for row in store.rows[("run-1", "default")]] == [2]
    assert len(store.writes) == 1


BAD_SETTINGS = [
    pytest.param({"max_iterations": 0}, "max_iterations must be at least 1", id="max-zero"),
    pytest.param({"patience": 0}, "patience must be at least 1", id="patience-zero"),
    pytest.param(
        {"target_coverage": 101}, "target_coverage must be from 0 to 100", id="target-coverage"
    ),
    pytest.param(
        {"target_quality": 1.5}, "target_quality must be from 0 to 1", id="target-quality"
    ),
    pytest.param(
        {"min_improvement": -1}, "min_improvement must be from 0, got -1", id="min-improvement"
    ),
    pytest.param({"max_cost_usd": -1}, "max_cost_usd must not be negative", id="cost-cap"),
    pytest.param({"store": FakeStore()}, "a store needs a run_id", id="store-without-run"),
    pytest.param({"name": ""}, "name must be a non-empty string", id="empty-name"),
]


@pytest.mark.parametrize(("settings", "message"), BAD_SETTINGS)
def test_bad_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(QualityInputError, match=message):
        QualityMonitor(**settings)


def test_should_continue_refuses_iteration_zero() -> None:
    with pytest.raises(QualityInputError, match="iteration must be at least 1"):
        QualityMonitor().should_continue(iteration=0)


# --- the renderer ----------------------------------------------------------------------


def _history(*rounds: Round) -> list[QualityIteration]:
    at = datetime(2026, 12, 3, tzinfo=UTC)
    return [
        QualityIteration(
            number, coverage, quality, tasks, None if cost is None else Decimal(str(cost)), at
        )
        for number, (coverage, quality, tasks, cost) in enumerate(rounds, start=1)
    ]


def test_render_history_table_and_chart() -> None:
    text = render_history(_history((75.0, 0.85, 5, 0.5), (82.0, 0.9, 4, None)), width=40)

    # Chart lines are 40 wide: "1 coverage |" (12) + bar + "| " + 6-wide value (8),
    # so each bar has 40 - 12 - 8 = 20 cells. Coverage 75 -> 0.75 * 20 = 15 '#',
    # quality 0.85 -> 17 '=', coverage 82 -> 16.4 -> 16 '#', quality 0.90 -> 18 '='.
    # Table columns are as wide as their longest cell; cost total 0.50 + nothing = $0.50.
    assert text.split("\n") == [
        "iteration  coverage  quality  tasks   cost",
        "        1      75.0     0.85      5  $0.50",
        "        2      82.0     0.90      4      -",
        "    total                         9  $0.50",
        "",
        "coverage # (0-100) and quality = (0-1) per iteration",
        "1 coverage |###############.....|   75.0",
        "  quality  |=================...|   0.85",
        "2 coverage |################....|   82.0",
        "  quality  |==================..|   0.90",
    ]


def test_render_history_fits_80_columns_in_ascii() -> None:
    rounds = [(min(100.0, 10.0 * n), min(1.0, 0.1 * n), n, 0.01 * n) for n in range(12)]
    text = render_history(_history(*rounds))

    assert text.isascii()
    assert max(len(line) for line in text.split("\n")) <= 80
    # Default width 60, two-digit labels: 60 - (2 + 1 + 8 + 2) - 8 = 39 cells.
    full = "12 coverage |" + "#" * 39 + "|  100.0"
    empty = " 1 coverage |" + "." * 39 + "|    0.0"
    assert full in text.split("\n")
    assert empty in text.split("\n")


def test_render_history_empty_and_bad_width() -> None:
    assert render_history([]) == "no quality iterations recorded"
    with pytest.raises(QualityInputError, match="width must be an integer of at least 30"):
        render_history(_history((75.0, 0.85, 5, None)), width=29)
