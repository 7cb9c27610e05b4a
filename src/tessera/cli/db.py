"""``tessera db path|migrate|check|push``: where the metrics database is, whether it is sound,
and copying it into a shared PostgreSQL store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tessera.cli._common import console, db_option, json_option, table
from tessera.config import load_config, metrics_db_path
from tessera.errors import TesseraError
from tessera.store import SCHEMA_VERSION, MetricsStore
from tessera.store.backend import display_location, is_postgres_url, postgres_url, redacted
from tessera.store.importing import ImportResult
from tessera.store.report_queries import check_database, read_schema_version


def _resolve(db: Path | None) -> Path:
    try:
        return db if db is not None else metrics_db_path(load_config())
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def db() -> None:
    """The metrics database file: its path, its schema, its health."""


@db.command("path")
@db_option
def path_command(db: Path | None) -> None:
    """Print the metrics database path (from --db, the configuration or the default)."""
    click.echo(display_location(_resolve(db)))


@db.command()
@db_option
@json_option
def migrate(db: Path | None, as_json: bool) -> None:
    """Create the database if needed and bring its schema up to date."""
    path = _resolve(db)
    if is_postgres_url(path):
        _migrate_postgres(postgres_url(path), as_json)
        return
    try:
        before = read_schema_version(path)
        store = MetricsStore(path)
        try:
            # Any read opens the file, which checks, creates and migrates it.
            store.totals()
        finally:
            store.close()
        after = read_schema_version(path)
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        payload = {"path": str(path), "schema_version_before": before, "schema_version": after}
        click.echo(json.dumps(payload, indent=2))
        return
    if before is None:
        click.echo(f"created {path} at schema version {after}")
    elif before == after:
        click.echo(f"{path}: schema version {after}, already up to date")
    else:
        click.echo(f"{path}: schema version {before} -> {after}")


def _migrate_postgres(url: str, as_json: bool) -> None:
    """``db migrate`` for a shared PostgreSQL store: migrations run when it is opened."""
    try:
        with MetricsStore(url) as store:
            version = store.integrity_check() or "ok"
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc
    if version != "ok":
        raise click.ClickException(f"{redacted(url)}: {version[0]}")
    if as_json:
        click.echo(json.dumps({"url": redacted(url), "ok": True}, indent=2))
        return
    click.echo(f"{redacted(url)}: schema up to date")


@db.command()
@db_option
@json_option
def check(db: Path | None, as_json: bool) -> None:
    """Integrity check, schema version and row counts; exit 1 when the file is not sound.

    The file is opened read-only: a check never creates, migrates or repairs it.
    """
    path = _resolve(db)
    if is_postgres_url(path):
        raise click.ClickException(
            "db check reads SQLite files; a PostgreSQL server checks its own data "
            "(`tessera db migrate --db URL` checks the connection and the schema)"
        )
    try:
        result = check_database(path)
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        payload = {
            "path": str(result.path),
            "ok": result.ok,
            "integrity": "ok" if result.ok else result.problems,
            "schema_version": result.schema_version,
            "supported_schema_version": result.supported_version,
            "tables": result.row_counts,
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        _print_check(result.path, result.schema_version, result.problems, result.row_counts)
    if not result.ok:
        raise click.ClickException(
            f"integrity check failed for {path}: {result.problems[0]}"
            + (f" (and {len(result.problems) - 1} more)" if len(result.problems) > 1 else "")
        )


def _print_check(path: Path, version: int, problems: list[str], counts: dict[str, int]) -> None:
    out = console()
    # A path is never cut or folded: it must stay copyable.
    out.print(f"database   {path}", markup=False, soft_wrap=True)
    behind = version < SCHEMA_VERSION and not problems
    pending = " (tessera db migrate brings it up to date)" if behind else ""
    out.print(f"schema     version {version} (this Tessera: {SCHEMA_VERSION}){pending}")
    if problems:
        out.print(f"integrity  [red]{len(problems)} problem(s)[/red]")
        for problem in problems[:10]:
            out.print(f"  {problem}", markup=False, overflow="fold")
        if len(problems) > 10:
            out.print(f"  ... and {len(problems) - 10} more")
        return
    out.print("integrity  ok")
    rows = table("Rows per table", [("table", "left"), ("rows", "right")])
    for name, n in counts.items():
        rows.add_row(name, f"{n:,}")
    out.print(rows)


@db.command()
@click.option(
    "--to",
    "to",
    required=True,
    metavar="URL",
    help="The shared store: postgresql://user@host:5432/database.",
)
@db_option
@json_option
def push(to: str, db: Path | None, as_json: bool) -> None:
    """Copy this host's local history into a shared PostgreSQL store.

    Runs, tasks, calls, agent performance, quality iterations and user price
    rows are matched on their natural keys: pushing again adds nothing, and
    tasks finished since the last push are brought up to date.
    """
    if not is_postgres_url(to):
        raise click.BadParameter("expected a postgresql:// URL", param_hint="--to")
    path = _resolve(db)
    if not path.exists():
        raise click.ClickException(f"no metrics database at {path} (nothing to push)")
    try:
        with MetricsStore(path) as source, MetricsStore(to) as shared:
            # Imported here: psycopg is an extra, and MetricsStore(to) has just
            # said it is installed.
            from tessera.store.postgres import PostgresMetricsStore

            if not isinstance(shared, PostgresMetricsStore):
                raise click.ClickException(f"{to} is not a PostgreSQL store")
            result = shared.push_from(source)
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_copy("pushed", str(path), redacted(to), result, as_json)


@db.command("import")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@json_option
def import_command(source: Path, db: Path | None, as_json: bool) -> None:
    """Copy another Tessera database file (a backup, another host's) into this one.

    Rows are matched on their natural keys, so importing the same file again
    adds nothing; the source file is only read.
    """
    path = _resolve(db)
    try:
        with MetricsStore(path) as store:
            result = store.import_database(source)
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_copy("imported", str(source), str(path), result, as_json)


def _print_copy(verb: str, source: str, target: str, result: ImportResult, as_json: bool) -> None:
    """What ``push`` or ``import`` copied, per table (rows read there, written here)."""
    if as_json:
        payload = {"from": source, "to": target, "read": result.read, "written": result.written}
        click.echo(json.dumps(payload, indent=2))
        return
    out = console()
    out.print(f"{verb:<10} {source} -> {target}", markup=False, soft_wrap=True)
    rows = table("Rows per table", [("table", "left"), ("read", "right"), ("written", "right")])
    for name, n in result.read.items():
        rows.add_row(name, f"{n:,}", f"{result.written.get(name, 0):,}")
    out.print(rows)
    if result.total_written == 0:
        out.print("nothing new: the target already had every row")
