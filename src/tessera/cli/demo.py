"""``tessera demo``: watch a multi-agent run being measured, then check it with sqlite3."""

from __future__ import annotations

import logging
import shlex
import warnings
from pathlib import Path

import click

from tessera.cli._common import console, count, print_json, usd
from tessera.cli.reports import print_agent_report, print_cost_groups
from tessera.config import load_config
from tessera.demo.workflow import DemoOutcome
from tessera.errors import CostLimitExceeded, UnpricedModelWarning
from tessera.paths import data_dir
from tessera.records import CallRecord
from tessera.runtime.observer import Observer
from tessera.store import MetricsStore

SEED_QUERIES = (
    "SELECT agent_name, COUNT(*) as tasks, SUM(CASE WHEN success THEN 1 ELSE 0 END) as successes "
    "FROM agent_performance GROUP BY agent_name;",
    "SELECT SUM(cost_usd) FROM agent_performance;",
)


@click.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Record into this database (kept and appended to). Default: a demo "
    "database under the data directory, replaced on each run.",
)
@click.option(
    "--traces",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Trace file (default: beside the database).",
)
@click.option("--no-delay", is_flag=True, help="Answer instantly instead of at recorded latency.")
@click.option("--json", "as_json", is_flag=True, help="Print the agent report as JSON.")
@click.option(
    "--live",
    is_flag=True,
    help="Talk to the real OpenAI and Anthropic APIs (needs OPENAI_API_KEY and "
    "ANTHROPIC_API_KEY; costs about a cent).",
)
def demo(db: Path | None, traces: Path | None, no_delay: bool, as_json: bool, live: bool) -> None:
    """Run a small agent team through the real OpenAI and Anthropic SDKs, answered locally.

    No network and no API keys: the SDKs' HTTP requests are answered with
    recorded-format responses. Every call is captured, priced, stored in a
    SQLite database and traced to a JSONL file, exactly as in your own runs.
    With --live, a smaller team talks to the real providers instead.
    """
    from tessera.demo.live import live_clients, missing_keys, run_live_demo
    from tessera.demo.workflow import run_demo

    if live and missing_keys():
        raise click.ClickException(
            f"--live talks to the real providers and needs {' and '.join(missing_keys())} "
            "set; without --live the demo needs no keys"
        )

    if db is None:
        db = data_dir() / "demo" / "metrics.db"
        # The default demo files are the demo's own scratch: start clean so the
        # figures printed are this run's.
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
        if traces is None:
            (db.parent / "traces.jsonl").unlink(missing_ok=True)
    traces = traces or db.parent / "traces.jsonl"
    out = console()
    observer = Observer(
        db=db, traces_file=traces, config=load_config(), service_name="tessera-demo"
    )
    if not as_json and live:
        out.print(
            "[bold]Tessera demo, live[/]: four agents against the real OpenAI and Anthropic "
            "APIs.\nEach call as it is recorded (⇶ streamed):\n"
        )
    elif not as_json:
        out.print(
            "[bold]Tessera demo[/]: four agents through the real openai and anthropic SDKs,\n"
            "their HTTP answered locally with recorded responses (no network, no keys).\n"
            "Each call as it is recorded (⇶ streamed):\n"
        )
    if not as_json:
        out.print(CALLS_HEADER, style="bold", highlight=False)
        observer.add_listener(lambda record: out.print(_call_line(record), highlight=False))
    # The demo reports its unpriced model itself; the per-model warning would repeat it.
    tessera_logger = logging.getLogger("tessera")
    level = tessera_logger.level
    tessera_logger.setLevel(logging.ERROR)
    outcome: DemoOutcome | None = None
    stopped: CostLimitExceeded | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnpricedModelWarning)
            if live:
                outcome = run_live_demo(observer, live_clients(observer))
            else:
                outcome = run_demo(observer, delay=not no_delay)
    except CostLimitExceeded as exc:
        # Your configured hard limits apply to the demo too.
        stopped = exc
    finally:
        tessera_logger.setLevel(level)
        observer.shutdown()
    with MetricsStore(db) as store:
        agents = store.agent_summary()
        by_model = store.cost_by("model")
        unpriced = store.unpriced_models()
    if as_json:
        print_json(agents)
        return
    out.print()
    if stopped is not None:
        out.print(f"[red]a hard cost limit stopped the demo[/]: {stopped}")
    for iteration, go_on, reason in outcome.decisions if outcome else []:
        verdict = "continue" if go_on else "stop"
        out.print(f"quality monitor, round {iteration}: [bold]{verdict}[/]\n  {reason}")
    for task_id in outcome.failed_tasks if outcome else []:
        out.print(
            f"[red]task {task_id} failed[/] (provider overloaded) and was retried on Vertex AI"
        )
    out.print()
    print_agent_report(agents)
    print_cost_groups(by_model, "model")
    for model in unpriced:
        calls = f"{model.calls} call" + ("s" if model.calls != 1 else "")
        out.print(
            f"[yellow]no price[/] for {model.provider}/{model.model} ({calls}): recorded with "
            "cost unknown, never as $0. Add one with `tessera pricing add`."
        )
    db_arg = shlex.quote(str(db))
    out.print(f"\nmetrics database: {db}\ntrace file:       {traces}\n")
    out.print("Check the figures yourself:")
    for query in SEED_QUERIES:
        out.print(f"  sqlite3 {db_arg} {shlex.quote(query)}", soft_wrap=True)
    out.print(f"  tail -n 3 {shlex.quote(str(traces))} | jq .", soft_wrap=True)


def _call_line(record: CallRecord) -> str:
    """One line per recorded call, 80 columns wide."""
    usage = record.usage
    model = record.response_model or record.request_model or "?"
    model = model if len(model) <= 22 else model[:21] + "…"
    tokens = f"{count(usage.input_tokens)} → {count(usage.output_tokens)}"
    if record.status == "error":
        cost = "[red]failed[/]"
    elif record.cost_status == "unpriced":
        cost = "[yellow]no price[/]"
    else:
        cost = usd(record.cost_usd)
    stream = "⇶" if record.stream else " "
    agent = (record.agent_name or "-")[:13]
    return f"{agent:<13} {record.provider:<14} {model:<22} {tokens:>13} {stream} {cost}"


CALLS_HEADER = f"{'agent':<13} {'provider':<14} {'model':<22} {'tokens in→out':>13}   cost"
