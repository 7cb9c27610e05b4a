"""``tessera pricing ...`` through click's CliRunner on a store filled through the API."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tessera.cli import cli
from tessera.pricing import CostCalculator
from tessera.records import CallRecord
from tessera.store import MetricsStore
from tessera.usage import Usage

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store with one priced gpt-4 call and two calls of an unpriced model."""
    path = tmp_path / "m.db"
    store = MetricsStore(path)
    calc = CostCalculator(store=store)
    calls = [
        ("k1", Usage("openai", "gpt-4", 1000, 500, reported=True)),
        ("k2", Usage("ollama", "house-llm", 2000, 1000, reported=True)),
        ("k3", Usage("ollama", "house-llm", 2000, 1000, reported=True)),
    ]
    # The unpriced-model warning is given once per process, so not in every test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, (call_id, usage) in enumerate(calls):
            at = AT + timedelta(minutes=number)
            cost = calc.price_call(usage, at=at)
            store.record_call(
                CallRecord(
                    call_id=call_id,
                    operation_id=call_id,
                    provider=usage.provider or "",
                    started_at=at,
                    ended_at=at,
                    usage=usage,
                    cost_status=cost.status,
                    cost_usd=cost.cost_usd,
                    pricing_id=cost.price.id if cost.price else None,
                )
            )
    store.close()
    return path


def test_list_marks_builtin_and_user_rows(db: Path) -> None:
    added = _run(
        "pricing", "add", "house-llm", "--provider", "ollama", "--input", "1", "--output", "2",
        "--effective", "2026-01-01", "--db", str(db),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added price #" in added.output
    rows = json.loads(_run("pricing", "list", "--db", str(db), "--json").output)
    origins = {(r["provider"], r["model"]): r["origin"] for r in rows}
    assert origins[("ollama", "house-llm")] == "user"
    assert origins[("openai", "gpt-4")] == "built-in"
    user = [r for r in rows if r["origin"] == "user"]
    assert len(user) == 1 and user[0]["prompt_per_mtok"] == "1"
    table = _run("pricing", "list", "--db", str(db), "--user").output
    assert "house-llm" in table and "gpt-4" not in table
    # The same row again is not duplicated.
    again = _run(
        "pricing", "add", "house-llm", "--provider", "ollama", "--input", "1", "--output", "2",
        "--effective", "2026-01-01", "--db", str(db),
    )  # fmt: skip
    assert "already present as price #" in again.output
    rows = json.loads(_run("pricing", "list", "--db", str(db), "--json", "--user").output)
    assert len(rows) == 1


def test_add_per_1k_and_bad_values(db: Path) -> None:
    result = _run(
        "pricing", "add", "team-llm", "--provider", "ollama", "--input", "0.002",
        "--output", "0.004", "--per", "1k", "--db", str(db), "--json",
    )  # fmt: skip
    # 0.002 per 1k = 2 per MTok; 0.004 per 1k = 4 per MTok.
    row = json.loads(result.output)[0]
    assert (row["prompt_per_mtok"], row["completion_per_mtok"]) == ("2.000", "4.000")
    bad = _run(
        "pricing", "add", "x", "--provider", "ollama", "--input", "abc", "--output", "1",
        "--db", str(db),
    )  # fmt: skip
    assert bad.exit_code == 1 and "not a number" in bad.output
    overmatch = _run(
        "pricing", "add", "gpt-4o", "--provider", "openai", "--input", "2.50", "--output", "10",
        "--pattern", "gpt-4o.*", "--db", str(db),
    )  # fmt: skip
    assert overmatch.exit_code == 1 and "also matches" in overmatch.output
    assert _run("pricing", "add", "x", "--db", str(db)).exit_code == 2  # usage error


def test_show_explains_the_match(db: Path) -> None:
    out = _run(
        "pricing", "show", "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "--db", str(db), "--at", "2026-01-10",
    ).output  # fmt: skip
    assert "claude-sonnet-4-5-20250929 (Bedrock region us)" in out
    assert "bedrock (named by the model id)" in out
    assert "exact on 'us.claude-sonnet-4-5-20250929'" in out
    assert "in 3.3, out 16.5" in out  # 3 and 15 plus the regional 10%
    data = json.loads(
        _run("pricing", "show", "gpt-4o", "--at", "2024-06-01", "--db", str(db), "--json").output
    )[0]
    assert data["provider"] == "openai" and data["provider_reason"] == "the model's own vendor"
    assert data["match"] == "exact" and data["until"] == "2024-10-02"
    assert data["row"]["prompt_per_mtok"] == "5"
    family = json.loads(
        _run("pricing", "show", "o3-mini-2099-01-01", "--db", str(db), "--json").output
    )[0]
    assert (family["match"], family["matched_name"]) == ("family alias", "o3-mini")
    unknown = _run("pricing", "show", "gpt-99", "--provider", "openai", "--db", str(db)).output
    assert "no price" in unknown and "tessera pricing add gpt-99 --provider openai" in unknown


def test_show_without_a_database_uses_the_builtin_table(tmp_path: Path) -> None:
    result = _run("pricing", "show", "gpt-4", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 0 and "in 30, out 60" in result.output
    assert not (tmp_path / "none.db").exists()


def test_unpriced_gives_a_ready_add_line_then_reprice(db: Path) -> None:
    rows = json.loads(_run("pricing", "unpriced", "--db", str(db), "--json").output)
    assert [(r["provider"], r["model"], r["calls"]) for r in rows] == [("ollama", "house-llm", 2)]
    line = rows[0]["add_command"]
    assert line.startswith("tessera pricing add house-llm --provider ollama --input PRICE_IN")
    assert line.endswith("--effective 2026-03-02")
    # Filling the two prices makes it a working command.
    args = line.replace("PRICE_IN", "1").replace("PRICE_OUT", "3").split()[1:]
    assert _run(*args, "--db", str(db)).exit_code == 0
    dry = _run("pricing", "reprice", "--since", "2026-03-02", "--dry-run", "--db", str(db))
    assert "3 calls examined, 2 would change (2 newly priced" in dry.output
    done = json.loads(
        _run("pricing", "reprice", "--since", "2026-03-02", "--db", str(db), "--json").output
    )[0]
    # gpt-4: 1,000×30 + 500×60 = 0.06; each house-llm call 2,000×1 + 1,000×3 = 0.005.
    assert (done["changed"], done["cost_before"], done["cost_after"]) == (2, "0.06", "0.07")
    assert "every recorded call" in _run("pricing", "unpriced", "--db", str(db)).output


def test_remove_user_rows_only(db: Path) -> None:
    row = json.loads(
        _run(
            "pricing", "add", "house-llm", "--provider", "ollama", "--input", "1",
            "--output", "2", "--db", str(db), "--json",
        ).output
    )[0]  # fmt: skip
    assert _run("pricing", "remove", str(row["id"]), "--db", str(db)).exit_code == 0
    rows = json.loads(_run("pricing", "list", "--db", str(db), "--json", "--user").output)
    assert rows == []
    builtin = json.loads(
        _run("pricing", "list", "--db", str(db), "--json", "--model", "gpt-4o-mini").output
    )[0]
    refused = _run("pricing", "remove", str(builtin["id"]), "--db", str(db))
    assert refused.exit_code == 1 and "built-in" in refused.output
    assert _run("pricing", "remove", "999999", "--db", str(db)).exit_code == 1


def test_reprice_needs_a_database_and_a_date(tmp_path: Path) -> None:
    missing = _run("pricing", "reprice", "--since", "2026-01-01", "--db", str(tmp_path / "x.db"))
    assert missing.exit_code == 1 and "no metrics database" in missing.output
    assert _run("pricing", "reprice", "--db", str(tmp_path / "x.db")).exit_code == 2
    bad = _run("pricing", "reprice", "--since", "someday", "--db", str(tmp_path / "x.db"))
    assert bad.exit_code == 2
