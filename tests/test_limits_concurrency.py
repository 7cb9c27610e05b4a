"""Hard and soft limits under concurrency: two processes, five threads each, one database."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

from runtime_support import OPENAI_HOST, Script, ask, openai_client
from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange
from tessera.errors import CostLimitExceeded, CostLimitWarning
from tessera.limits import CostLimits
from tessera.runtime.context import ContextExecutor
from tessera.runtime.observer import Observer

# Each call: gpt-4o-mini, 1,000 in and 1,000 out at 0.15 / 0.60 per MTok:
# 1,000×0.15 + 1,000×0.60 = 750 per MTok-unit → $0.00075.
CALL_COST = Decimal("0.00075")
# A cap that holds exactly four calls: 4 × 0.00075 = 0.003.
CAP = Decimal("0.003")
TASK = "shared-task"


class SlowScript(Script):
    """Answers after 50 ms, so concurrent calls hold their reservations at the same time."""

    def _answer(self, http: Any, request: Any) -> Any:
        time.sleep(0.05)
        return super()._answer(http, request)


def _worker(db: str, limits: CostLimits, start: Any, results: Any) -> None:
    script = SlowScript(
        *[
            Exchange(
                OPENAI_HOST,
                "gpt-4o-mini",
                rec.openai_chat("gpt-4o-mini", "ok", 1000, 1000, response_id=f"r{i}"),
            )
            for i in range(5)
        ]
    )
    observer = Observer(db=db, traces_file=Path(db).with_suffix(".jsonl"), limits=limits)
    client = openai_client(script, observer)

    def call() -> str:
        try:
            with observer.estimate(CALL_COST):
                client.chat.completions.create(model="gpt-4o-mini", messages=ask())
            return "admitted"
        except CostLimitExceeded:
            return "refused"

    start.wait()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with observer.task(TASK, agent_name="worker"), ContextExecutor(5) as pool:
                outcomes = list(pool.map(lambda _: call(), range(5)))
        except CostLimitExceeded:
            # The other process used the whole budget before this task began.
            outcomes = ["refused"] * 5
    soft_warnings = sum(1 for w in caught if issubclass(w.category, CostLimitWarning))
    observer.shutdown()
    results.put((outcomes, soft_warnings, len(script.requests)))


def _run_two_processes(tmp_path: Path, limits: CostLimits) -> tuple[list[str], int, int]:
    db = str(tmp_path / "shared.db")
    Observer(db=db, traces_file=tmp_path / "t.jsonl").store.totals()  # type: ignore[union-attr]
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db, limits, start, results)) for _ in range(2)]
    for proc in procs:
        proc.start()
    time.sleep(0.2)
    start.set()
    gathered = [results.get(timeout=30) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    outcomes = [o for outcome, _, _ in gathered for o in outcome]
    return outcomes, sum(w for _, w, _ in gathered), sum(r for _, _, r in gathered)


def _task_spend(db: Path) -> tuple[int, Decimal]:
    with sqlite3.connect(db) as conn:
        calls, pusd = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(cost_pusd), 0) FROM llm_calls WHERE task_id = ?",
            (TASK,),
        ).fetchone()
    return calls, Decimal(pusd) / 10**12


def test_hard_per_task_limit_admits_exactly_what_fits(tmp_path: Path) -> None:
    outcomes, _, requests = _run_two_processes(
        tmp_path, CostLimits(per_task_usd=CAP, per_task_enforcement="hard")
    )
    # Ten calls of $0.00075 against $0.003: exactly four fit.
    assert outcomes.count("admitted") == 4
    assert outcomes.count("refused") == 6
    assert requests == 4  # refused calls never reached the provider
    calls, spent = _task_spend(tmp_path / "shared.db")
    assert calls == 4 and spent == CAP


def test_soft_limit_lets_all_run_and_warns_once(tmp_path: Path) -> None:
    outcomes, soft_warnings, requests = _run_two_processes(
        tmp_path, CostLimits(per_task_usd=CAP, per_task_enforcement="soft")
    )
    assert outcomes.count("admitted") == 10 and requests == 10
    # Spend crosses $0.003 at the fourth call; one warning across both processes.
    assert soft_warnings == 1
    calls, spent = _task_spend(tmp_path / "shared.db")
    assert calls == 10 and spent == 10 * CALL_COST  # $0.0075
    with sqlite3.connect(tmp_path / "shared.db") as conn:
        crossings = conn.execute("SELECT limit_name, window_key FROM limit_crossings").fetchall()
    assert crossings == [("cost.limits.per_task.max_usd", TASK)]
