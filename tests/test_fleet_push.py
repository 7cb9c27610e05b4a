"""Fleet setup (docs/scaling.md): a host's history reaches the shared store as it is locally."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pg_support import T0, call, everything, fresh_schema
from tessera.records import TaskEnd, TaskStart
from tessera.store import MetricsStore

S = timedelta(seconds=1)


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def first_attempt_fails(store: MetricsStore) -> None:
    store.start_task(TaskStart("t2", "py", T0, phase="impl"))
    store.record_call(call("c2", "0.03", task_id="t2", agent="py", at=T0 + S))
    store.finish_task(TaskEnd("t2", "py", "impl", None, T0, T0 + 10 * S, False, "boom"))


def retry_succeeds(store: MetricsStore) -> None:
    store.start_task(TaskStart("t2", "py", T0 + 40 * S, phase="review"))
    store.record_call(call("c4", "0.015", task_id="t2", agent="py", at=T0 + 41 * S))
    store.finish_task(TaskEnd("t2", "py", "review", None, T0 + 40 * S, T0 + 50 * S, True))


def test_a_task_retried_after_a_push_shows_its_latest_attempt(tmp_path: Path, pg_url: str) -> None:
    with MetricsStore(tmp_path / "host.db") as local, MetricsStore(pg_url) as shared:
        first_attempt_fails(local)
        shared.push_from(local)  # type: ignore[attr-defined]
        retry_succeeds(local)
        assert shared.push_from(local).written["task_assignments"] == 1  # type: ignore[attr-defined]
        assert everything(shared) == everything(local)
        (task,) = shared.tasks()
        assert (task.status, task.calls) == ("completed", 2)
        # Pushing again, or an older copy of the file, changes nothing.
        assert shared.push_from(local).total_written == 0  # type: ignore[attr-defined]


def test_a_task_retried_after_an_import_shows_its_latest_attempt(tmp_path: Path) -> None:
    with MetricsStore(tmp_path / "host.db") as local, MetricsStore(tmp_path / "all.db") as merged:
        first_attempt_fails(local)
        merged.import_database(tmp_path / "host.db")
        retry_succeeds(local)
        assert merged.import_database(tmp_path / "host.db").written["task_assignments"] == 1
        assert everything(merged) == everything(local)


def test_an_older_copy_does_not_undo_a_newer_attempt(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    with MetricsStore(old) as store:
        first_attempt_fails(store)
    with MetricsStore(new) as store:
        store.import_database(old)
        retry_succeeds(store)
    with MetricsStore(tmp_path / "all.db") as merged:
        merged.import_database(new)
        assert merged.import_database(old).written["task_assignments"] == 0
        (task,) = merged.tasks()
        assert task.status == "completed"
