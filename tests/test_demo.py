"""``tessera demo`` end to end: its figures are what sqlite3 and the trace file say."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tessera.cli import main

# Costs per call at the built-in list prices (USD per million tokens), from the
# usage in tessera/demo/script.py:
# 1  o3-mini 1.10 in / 4.40 out:          1,850×1.10 + 2,400×4.40            = 12,595.0 → $0.0125950
# 2  gpt-4o on GitHub Copilot: $0 by design                                  =      0.0
# 3  claude-sonnet-4 3 in / 3.75 5m write / 15 out: 12×3 + 4,096×3.75 + 1,850×15
#                                                   = 36 + 15,360 + 27,750   = 43,146.0 → $0.0431460
# 4  gpt-4o-mini 0.15 in / 0.60 out:      5,210×0.15 + 640×0.60             =  1,165.5 → $0.0011655
# 5  HTTP 529: no usage, not billed                                          =      0.0
# 6  Vertex sonnet, 0.30 cache read:      35×3 + 4,096×0.30 + 2,210×15      = 34,483.8 → $0.0344838
# 7  gpt-4o-mini, 0.075 cached:           900×0.15 + 5,120×0.075 + 580×0.60  =    867.0 → $0.0008670
# 8  sonnet, 6.00 1h write:               40×3 + 4,096×0.30 + 1,024×6 + 1,320×15
#                                         = 120 + 1,228.8 + 6,144 + 19,800   = 27,292.8 → $0.0272928
# 9  gpt-4o-mini:                         1,280×0.15 + 5,120×0.075 + 512×0.60 =   883.2 → $0.0008832
# 10 fine-tuned model: no price (unknown, not $0)
# 11 gpt-4o-2024-08-06 2.50 in / 10 out:  2,300×2.50 + 350×10               =  9,250.0 → $0.0092500
#    (through LangChain: the instrumented client and the TokenUsageCallback both report
#    it; stored once. Stored twice, doc-writer would show 2 × 0.00925 = $0.0185000.)
PER_AGENT = {
    "planner": Decimal("0.012595"),  # call 1 + call 2
    "python-expert": Decimal("0.1049226"),  # 0.043146 + 0.0344838 + 0.0272928
    "reviewer": Decimal("0.0029157"),  # 0.0011655 + 0.000867 + 0.0008832
    "doc-writer": Decimal("0.00925"),  # call 11; call 10 unpriced
}
TOTAL = Decimal("0.1296833")  # the sum of the four above


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    folder = tmp_path_factory.mktemp("demo")
    db, traces = folder / "demo.db", folder / "traces.jsonl"
    from click.testing import CliRunner

    from tessera.cli import cli

    result = CliRunner().invoke(
        cli, ["demo", "--db", str(db), "--traces", str(traces), "--no-delay"]
    )
    assert result.exit_code == 0, result.output
    return db, traces, result.output


def test_seed_queries_give_the_printed_figures(demo_run: tuple[Path, Path, str]) -> None:
    db, _, output = demo_run
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT agent_name, COUNT(*) as tasks, "
            "SUM(CASE WHEN success THEN 1 ELSE 0 END) as successes "
            "FROM agent_performance GROUP BY agent_name;"
        ).fetchall()
        (total,) = conn.execute("SELECT SUM(cost_usd) FROM agent_performance;").fetchone()
        (exact,) = conn.execute("SELECT SUM(cost_pusd) FROM agent_performance").fetchone()
    # python-expert: rounds 1 and 3, round 2 failed on Anthropic then retried on Vertex.
    assert sorted(rows) == [
        ("doc-writer", 1, 1),
        ("planner", 1, 1),
        ("python-expert", 4, 3),
        ("reviewer", 3, 3),
    ]
    assert Decimal(exact) / 10**12 == TOTAL
    assert round(total, 7) == float(TOTAL)
    # The report printed the same figures, to six decimals.
    assert "$0.129683" in output
    for agent, cost in PER_AGENT.items():
        assert f"${cost:.6f}" in output, agent


def test_calls_are_stored_with_usage_and_status(demo_run: tuple[Path, Path, str]) -> None:
    db, _, _ = demo_run
    with sqlite3.connect(db) as conn:
        calls = conn.execute(
            "SELECT provider, input_tokens, output_tokens, cache_read_tokens, "
            "cache_write_tokens, reasoning_tokens, usage_reported, cost_status, status, stream "
            "FROM llm_calls ORDER BY started_at"
        ).fetchall()
    assert len(calls) == 11
    assert calls[0] == ("openai", 1850, 2400, 0, None, 1600, 1, "priced", "ok", 0)
    assert calls[1][0] == "github_copilot" and calls[1][7] == "priced"
    # Anthropic stream: 12 uncached + 4,096 written = 4,108 input; output from message_delta.
    assert calls[2] == ("anthropic", 4108, 1850, 0, 4096, None, 1, "priced", "ok", 1)
    assert calls[4][0] == "anthropic" and calls[4][6:9] == (0, "no_usage", "error")
    # Vertex: 35 + 4,096 cache read = 4,131 input.
    assert calls[5][:5] == ("vertex_ai", 4131, 2210, 4096, 0)
    # 40 + 4,096 read + 1,024 written = 5,160 input.
    assert calls[7][:5] == ("anthropic", 5160, 1320, 4096, 1024)
    assert calls[9][7] == "unpriced"
    # Call 11, reported by two layers, is one row: 2,300 in, 350 out.
    assert calls[10][:3] == ("openai", 2300, 350)


def test_copilot_quota_and_the_langchain_call(demo_run: tuple[Path, Path, str]) -> None:
    db, _, _ = demo_run
    with sqlite3.connect(db) as conn:
        extras = [
            json.loads(e or "{}")
            for (e,) in conn.execute("SELECT extras FROM llm_calls ORDER BY started_at")
        ]
        notes = conn.execute(
            "SELECT COUNT(*) FROM llm_calls WHERE response_model = 'gpt-4o-2024-08-06'"
        ).fetchone()
    quota = extras[1]["usage_extras"]["copilot_quota"]
    assert quota["premium_interactions"]["percent_remaining"] == 87.3
    assert quota["chat"]["unlimited"] is True
    assert [i for i, e in enumerate(extras) if "copilot_quota" in e.get("usage_extras", {})] == [1]
    assert notes == (1,)


def test_failed_task_keeps_its_error(demo_run: tuple[Path, Path, str]) -> None:
    db, _, _ = demo_run
    with sqlite3.connect(db) as conn:
        failures = conn.execute(
            "SELECT agent_name, phase FROM agent_performance WHERE NOT success"
        ).fetchall()
        statuses = conn.execute("SELECT status FROM task_assignments").fetchall()
    assert failures == [("python-expert", "implementation")]
    # The failed task was retried under the same id on Vertex, so every task ended completed.
    assert {s for (s,) in statuses} == {"completed"}


def test_every_trace_line_has_the_seed_keys(demo_run: tuple[Path, Path, str]) -> None:
    _, traces, _ = demo_run
    spans = [json.loads(line) for line in traces.read_text().splitlines()]
    # 1 run + 9 task phases (8 tasks, one run twice) + 11 calls.
    assert len(spans) == 21
    for span in spans:
        for key in ("trace_id", "span_id", "name", "attributes", "duration_ms"):
            assert key in span
    tasks = [s for s in spans if s["name"].startswith("invoke_agent ")]
    assert len(tasks) == 9
    for span in tasks:
        assert {"agent_name", "task_id", "phase"} <= span["attributes"].keys()
    by_id = {s["span_id"]: s for s in spans}
    for call in (s for s in spans if s["name"].startswith("chat ")):
        assert by_id[call["parent_span_id"]]["name"].startswith("invoke_agent ")
    assert len({s["trace_id"] for s in spans}) == 1


def test_demo_default_location_is_replaced_each_run(isolated_data_dir: Path) -> None:
    assert main(["demo", "--no-delay", "--json"]) == 0
    assert main(["demo", "--no-delay", "--json"]) == 0
    db = isolated_data_dir / "demo" / "metrics.db"
    with sqlite3.connect(db) as conn:
        (calls,) = conn.execute("SELECT COUNT(*) FROM llm_calls").fetchone()
    assert calls == 11  # the second run started from a clean demo database
