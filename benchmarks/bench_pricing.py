"""Pricing benchmark: lookup + cost per call vs genai-prices, and re-pricing 1M stored calls.

Run: .venv/bin/python benchmarks/bench_pricing.py [--calls 1000000] [--runs 7]

1. For a set of resolved models, the time of one Tessera price lookup + exact
   cost (``CostCalculator.price_for`` + ``compute_cost``) and of
   ``genai_prices.calc_price`` for the same usages; median over several runs.
   genai-prices is skipped, with a message, when it is not installed.
2. A temporary database with N ``llm_calls`` rows (executemany), then
   ``MetricsStore.reprice_calls`` after a user price changes every call.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tessera.pricing import CostCalculator, compute_cost
from tessera.store import MetricsStore
from tessera.usage import Usage

# (tessera provider, model, genai-prices provider id); all three resolve in both.
MODELS = [
    ("openai", "gpt-4o", "openai"),
    ("openai", "gpt-4.1-mini", "openai"),
    ("anthropic", "claude-sonnet-4-5-20250929", "anthropic"),
    ("anthropic", "claude-3-5-haiku-20241022", "anthropic"),
    ("gemini", "gemini-2.5-flash", "google"),
    ("deepseek", "deepseek-chat", "deepseek"),
]
DAY = date(2026, 1, 15)


def _median_us(func: Callable[[], None], loops: int, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(loops):
            func()
        times.append((time.perf_counter() - start) / loops * 1e6)
    return statistics.median(times)


def bench_lookup(runs: int, loops: int) -> None:
    calc = CostCalculator()
    usages = [Usage(p, m, 12_000, 800, cache_read_tokens=4000, reported=True) for p, m, _ in MODELS]
    at = datetime(2026, 1, 15, 12, tzinfo=UTC)

    def ours() -> None:
        for usage in usages:
            row = calc.price_for(usage.model or "", usage.provider, DAY)
            assert row is not None
            compute_cost(row, usage)

    ours()  # warm the lookup cache: the benchmark measures resolved models
    mine = _median_us(ours, loops, runs) / len(usages)
    print(f"tessera lookup + cost:        median {mine:8.2f} µs per call")
    try:
        import genai_prices
        from genai_prices.types import Usage as GUsage
    except ImportError:
        print("genai-prices not installed: comparison skipped (pip install genai-prices)")
        return
    gusages = [
        (GUsage(input_tokens=12_000, output_tokens=800, cache_read_tokens=4000), m, gp)
        for _, m, gp in MODELS
    ]

    def theirs() -> None:
        for usage, model, provider in gusages:
            genai_prices.calc_price(usage, model, provider_id=provider, genai_request_timestamp=at)

    theirs()
    other = _median_us(theirs, max(1, loops // 10), runs) / len(gusages)
    print(f"genai_prices.calc_price:      median {other:8.2f} µs per call")
    print(f"speed-up:                     {other / mine:8.1f}x")
    bench_litellm(mine, runs, loops)


def bench_litellm(mine: float, runs: int, loops: int) -> None:
    """LiteLLM's ``cost_per_token`` for the same usages, when LiteLLM is installed."""
    # LiteLLM fetches its price map from the network at import unless told not to.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError:
        print("litellm not installed: comparison skipped")
        return
    litellm.suppress_debug_info = True  # no banner for the model it does not know
    names = {"gemini": "gemini/", "deepseek": "deepseek/"}
    known = []
    for provider, model, _ in MODELS:
        name = names.get(provider, "") + model
        try:
            litellm.cost_per_token(
                model=name,
                prompt_tokens=12_000,
                completion_tokens=800,
                cache_read_input_tokens=4000,
            )
        except Exception:
            print(f"litellm: no price for {name}; left out of its timing")
            continue
        known.append(name)

    def theirs() -> None:
        for name in known:
            litellm.cost_per_token(
                model=name,
                prompt_tokens=12_000,
                completion_tokens=800,
                cache_read_input_tokens=4000,
            )

    other = _median_us(theirs, max(1, loops // 10), runs) / len(known)
    print(
        f"litellm.cost_per_token:       median {other:8.2f} µs per call "
        f"({len(known)} of {len(MODELS)} models)"
    )
    print(f"speed-up:                     {other / mine:8.1f}x")


def bench_reprice(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = MetricsStore(Path(tmp) / "bench.db")
        calc = CostCalculator(store=store)
        rows = calc.rows()
        gpt = next(r for r in rows if r.model_name == "gpt-4o" and r.cache_read_per_mtok)
        start = datetime(2026, 2, 1, tzinfo=UTC)
        store.totals()  # create and migrate the file
        conn = sqlite3.connect(store.path)
        build = time.perf_counter()
        conn.executemany(
            """INSERT INTO llm_calls (call_id, provider, request_model, response_model,
                   started_at, input_tokens, output_tokens, cache_read_tokens,
                   cache_write_tokens, reasoning_tokens, usage_reported, cost_usd, cost_pusd,
                   cost_status, pricing_id, task_id)
               VALUES (?, 'openai', 'gpt-4o', 'gpt-4o', ?, ?, 300, 1000, 0, 0, 1, NULL, NULL,
                   'unpriced', NULL, ?)""",
            (
                (
                    f"c{i}",
                    (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    2000 + i % 5000,
                    f"t{i // 100}" if i % 10 == 0 else None,
                )
                for i in range(calls)
            ),
        )
        conn.commit()
        conn.close()
        print(f"built {calls:,} llm_calls rows in {time.perf_counter() - build:.1f} s")
        assert gpt.id is not None
        since = start - timedelta(days=1)
        first = time.perf_counter()
        result = store.reprice_calls(calc, since)
        elapsed = time.perf_counter() - first
        print(f"reprice (every call changes): {elapsed:6.2f} s, {result.changed:,} changed")
        again = time.perf_counter()
        result = store.reprice_calls(calc, since)
        elapsed = time.perf_counter() - again
        print(f"reprice (nothing changes):    {elapsed:6.2f} s, {result.changed:,} changed")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--loops", type=int, default=20_000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {platform.platform()}, {os.cpu_count()} CPUs")
    bench_lookup(args.runs, args.loops)
    bench_reprice(args.calls)


if __name__ == "__main__":
    main()
