"""``tessera pricing``: list, explain, add and remove prices; find unpriced models; re-price."""

from __future__ import annotations

import shlex
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import click

from tessera.cli._common import console, db_option, json_option, open_store, print_json, table
from tessera.cli._options import csv_option, print_machine
from tessera.cli._price_rows import calculator_for, mtok, readonly_rows, row_json
from tessera.errors import TesseraError

_PER = {"1k": Decimal(1000), "1m": Decimal(1)}


def _day(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date or time: {value!r}", param_hint=name) from None
    if len(value) <= 10:
        parsed = datetime.combine(parsed.date(), time(0), tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@click.group()
def pricing() -> None:
    """Model prices: built-in table, your own prices, unpriced models, re-pricing."""


@pricing.command("list")
@click.option("--provider", default=None, help="Only this provider's rows.")
@click.option("--model", "contains", default=None, help="Only models whose id contains this.")
@click.option("--user", "user_only", is_flag=True, help="Only your own rows.")
@db_option
@json_option
@csv_option
def list_prices(
    provider: str | None,
    contains: str | None,
    user_only: bool,
    db: Path | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Every price row in force, built-in and yours (USD per 1M tokens)."""
    calculator, store = readonly_rows(db)
    rows = [
        r
        for r in calculator.rows()
        if (provider is None or r.provider == provider.lower())
        and (contains is None or contains.lower() in r.model_name)
        and (not user_only or r.source == "user")
    ]
    if store is not None:
        store.close()
    if print_machine([row_json(r) for r in rows], as_json, as_csv):
        return
    out = table(
        "Prices (USD per 1M tokens; --json for every column)",
        [
            ("id", "right"),
            ("origin", "left"),
            ("provider", "left"),
            ("model", "left"),
            ("from", "left"),
            ("in", "right"),
            ("out", "right"),
            ("read", "right"),
            ("write", "right"),
        ],
    )
    # Model ids and days must stay readable in 80 columns: fold ids, never cut days.
    out.columns[3].overflow, out.columns[3].min_width = "fold", 24
    out.columns[4].no_wrap, out.columns[4].min_width = True, 10
    for r in rows:
        name = r.model_name + (f" /{r.model_pattern}/" if r.model_pattern else "")
        if r.long_context_threshold:
            name += f" (>{r.long_context_threshold // 1000}k tier)"
        if r.deprecated_date:
            name += f" (retired {r.deprecated_date})"
        out.add_row(
            "—" if r.id is None else str(r.id),
            "user" if r.source == "user" else "built-in",
            r.provider,
            name,
            r.effective_date.isoformat(),
            mtok(r, "prompt_per_mtok"),
            mtok(r, "completion_per_mtok"),
            mtok(r, "cache_read_per_mtok"),
            mtok(r, "cache_write_per_mtok"),
            style="bold" if r.source == "user" else None,
        )
    console().print(out)
    if store is None:
        click.echo("(no metrics database yet: built-in table only, without row ids)")


@pricing.command("show")
@click.argument("model")
@click.option("--provider", default=None, help="Provider the call goes through.")
@click.option("--at", "at", default=None, help="Day of the call (YYYY-MM-DD; default today).")
@db_option
@json_option
def show(model: str, provider: str | None, at: str | None, db: Path | None, as_json: bool) -> None:
    """Which price row MODEL resolves to, and why."""
    moment = _day(at, "--at")
    calculator, store = readonly_rows(db)
    found = calculator.explain(model, provider, moment)
    if store is not None:
        store.close()
    day = (moment or datetime.now(UTC)).date()
    data = {
        "model": model,
        "normalized": found.parsed.name,
        "provider_hint": found.parsed.provider_hint,
        "bedrock_region": found.parsed.region,
        "provider": found.provider,
        "provider_reason": found.provider_reason,
        "names_tried": found.variants,
        "at": day.isoformat(),
        "match": found.match,
        "matched_name": found.matched_name,
        "before_first_period": found.before_first,
        "until": found.until.isoformat() if found.until else None,
        "row": row_json(found.row) if found.row else None,
    }
    if as_json:
        print_json([data])
        return
    lines = [
        f"model:      {model}",
        f"normalized: {found.parsed.name}"
        + (f" (Bedrock region {found.parsed.region})" if found.parsed.region else ""),
        f"provider:   {found.provider or '—'}"
        + (f" ({found.provider_reason})" if found.provider_reason else ""),
        f"tried:      {', '.join(found.variants)}",
    ]
    row = found.row
    if row is None:
        lines.append(f"result:     no price on {day}: calls are recorded unpriced (never $0)")
        lines.append(
            f"add one:    tessera pricing add {shlex.quote(model)} --provider "
            f"{found.provider or 'PROVIDER'} --input PRICE_IN --output PRICE_OUT --per 1m"
        )
    else:
        origin = "your price" if row.source == "user" else "built-in"
        period = f"from {row.effective_date}" + (f" until {found.until}" if found.until else "")
        lines += [
            f"match:      {found.match} on {found.matched_name!r} ({origin}"
            + (f", row #{row.id})" if row.id is not None else ")"),
            f"period:     {period}"
            + (" (call precedes the first period: first price used)" if found.before_first else ""),
            f"prices:     in {mtok(row, 'prompt_per_mtok')}, "
            f"out {mtok(row, 'completion_per_mtok')}, "
            f"cache read {mtok(row, 'cache_read_per_mtok')}, "
            f"write 5m {mtok(row, 'cache_write_per_mtok')}, "
            f"write 1h {mtok(row, 'cache_write_1h_per_mtok')} (USD per 1M tokens)",
        ]
        if row.long_context_threshold:
            lines.append(
                f"long ctx:   input > {row.long_context_threshold:,}: in "
                f"{mtok(row, 'long_context_prompt_per_mtok')}, out "
                f"{mtok(row, 'long_context_completion_per_mtok')} (whole request)"
            )
        if row.deprecated_date:
            lines.append(f"retired:    {row.deprecated_date} (still prices old calls)")
        lines.append(f"source:     {row.note}")
    click.echo("\n".join(lines))


@pricing.command("add")
@click.argument("model")
@click.option("--provider", default=None, help="Provider the price applies to.")
@click.option("--input", "input_price", required=True, help="Input price.")
@click.option("--output", "output_price", required=True, help="Output price.")
@click.option("--cache-read", default=None, help="Cache-read price (default: input price).")
@click.option("--cache-write", default=None, help="Cache-write price, 5-minute TTL.")
@click.option("--cache-write-1h", default=None, help="Cache-write price, 1-hour TTL.")
@click.option("--reasoning", default=None, help="Reasoning price (default: output price).")
@click.option(
    "--per", type=click.Choice(["1k", "1m"]), default="1m", show_default=True, help="Price unit."
)
@click.option("--pattern", default=None, help="Regular expression matching whole model ids.")
@click.option("--effective", default=None, help="First day the price applies (default today).")
@click.option("--note", default=None, help="Where the price comes from.")
@db_option
@json_option
def add(
    model: str,
    provider: str | None,
    input_price: str,
    output_price: str,
    cache_read: str | None,
    cache_write: str | None,
    cache_write_1h: str | None,
    reasoning: str | None,
    per: str,
    pattern: str | None,
    effective: str | None,
    note: str | None,
    db: Path | None,
    as_json: bool,
) -> None:
    """Add your own price for MODEL; it wins over the built-in table from its date on."""
    calculator, store = calculator_for(db, create=True)
    known = {r.id for r in calculator.rows()}

    def permtok(value: str | None, name: str) -> Decimal | None:
        if value is None:
            return None
        try:
            return Decimal(value.strip()) * _PER[per]
        except ArithmeticError:
            raise click.ClickException(f"{name}: not a number: {value!r}") from None

    with store:
        try:
            row = calculator.add_pricing(
                model,
                provider=provider,
                prompt_per_mtok=permtok(input_price, "--input"),
                completion_per_mtok=permtok(output_price, "--output"),
                cache_read_per_mtok=permtok(cache_read, "--cache-read"),
                cache_write_per_mtok=permtok(cache_write, "--cache-write"),
                cache_write_1h_per_mtok=permtok(cache_write_1h, "--cache-write-1h"),
                reasoning_per_mtok=permtok(reasoning, "--reasoning"),
                pattern=pattern,
                effective_date=effective,
                note=note or "added with `tessera pricing add`",
            )
        except TesseraError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json([row_json(row)])
        return
    what = "already present as" if row.id in known else "added"
    click.echo(
        f"{what} price #{row.id}: {row.model_name} ({row.provider}) from {row.effective_date}: "
        f"in {mtok(row, 'prompt_per_mtok')} / out {mtok(row, 'completion_per_mtok')} "
        "USD per 1M tokens. Calls already recorded keep their cost; "
        f"`tessera pricing reprice --since {row.effective_date}` recomputes them."
    )


@pricing.command("remove")
@click.argument("price_id", type=int)
@db_option
def remove(price_id: int, db: Path | None) -> None:
    """Stop using your price row PRICE_ID (built-in rows cannot be removed)."""
    calculator, store = calculator_for(db)
    with store:
        try:
            calculator.remove_pricing(price_id)
        except TesseraError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"price #{price_id} removed; calls it priced keep their cost")


@pricing.command("unpriced")
@db_option
@json_option
@csv_option
def unpriced(db: Path | None, as_json: bool, as_csv: bool) -> None:
    """Models recorded without a price, with a ready `tessera pricing add` line each."""
    with open_store(db) as store:
        models = store.unpriced_models()
    rows = []
    for m in models:
        first = m.first_seen.date().isoformat() if m.first_seen else date.today().isoformat()
        command = (
            f"tessera pricing add {shlex.quote(m.model or 'MODEL')} --provider "
            f"{shlex.quote(m.provider or 'PROVIDER')} --input PRICE_IN --output PRICE_OUT "
            f"--per 1m --effective {first}"
        )
        rows.append(
            {
                "provider": m.provider,
                "model": m.model,
                "calls": m.calls,
                "first_seen": m.first_seen,
                "last_seen": m.last_seen,
                "add_command": command,
                "then": f"tessera pricing reprice --since {first}",
            }
        )
    if print_machine(rows, as_json, as_csv):
        return
    if not rows:
        click.echo("every recorded call with usage has a price")
        return
    out = table("Unpriced models", [("provider", "left"), ("model", "left"), ("calls", "right")])
    for row in rows:
        out.add_row(str(row["provider"] or ""), str(row["model"] or ""), str(row["calls"]))
    console().print(out)
    click.echo("Add a price (USD per 1M tokens), then re-price the calls already recorded:")
    for row in rows:
        click.echo(f"  {row['add_command']}")
        click.echo(f"  {row['then']}")


@pricing.command("reprice")
@click.option("--since", required=True, help="First day (YYYY-MM-DD, UTC) or time to re-price.")
@click.option("--until", default=None, help="Re-price calls before this day or time (UTC).")
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
@db_option
@json_option
def reprice(since: str, until: str | None, dry_run: bool, db: Path | None, as_json: bool) -> None:
    """Recompute stored call costs with the prices in force now (on purpose only)."""
    start, end = _day(since, "--since"), _day(until, "--until")
    assert start is not None  # required option
    calculator, store = calculator_for(db)
    with store:
        try:
            result = store.reprice_calls(calculator, start, end, dry_run=dry_run)
        except TesseraError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json([result])
        return
    verb = "would change" if dry_run else "changed"
    click.echo(
        f"{result.examined} calls examined, {result.changed} {verb} "
        f"({result.newly_priced} newly priced, {result.now_unpriced} now unpriced); "
        f"known cost ${result.cost_before} -> ${result.cost_after}; "
        f"{result.tasks} tasks and {result.phases} agent_performance rows "
        + ("would be updated" if dry_run else "updated")
    )
