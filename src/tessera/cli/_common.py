"""What every command shares: ``--db``, ``--json``, opening the store, printing rows."""

from __future__ import annotations

import dataclasses
import json
import shlex
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console, RenderableType
from rich.style import StyleType
from rich.table import Table
from rich.text import Text

from tessera.config import load_config, metrics_db_path
from tessera.errors import TesseraError
from tessera.paths import DB_FILENAME, data_dir
from tessera.store import MetricsStore
from tessera.store.backend import display_location, is_postgres_url

F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    """``--db PATH``: the metrics database (default: from the configuration)."""
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Metrics database file (default: from config, else "
        "~/.local/share/tessera/metrics.db).",
    )(func)


def json_option(func: F) -> F:
    """``--json``: print rows as a JSON array instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )


def open_store(db: Path | None) -> MetricsStore:
    """Open the store a command reads, turning Tessera errors into one-line CLI errors.

    A store that is not there is refused, never created: a missing file, or a
    PostgreSQL schema without Tessera's tables (a typo in the URL must not
    create a store in the wrong schema).
    """
    try:
        path = db if db is not None else metrics_db_path(load_config())
        if not is_postgres_url(path):
            if not path.exists():
                raise click.ClickException(f"no metrics database at {path} ({_missing_hint()})")
            return MetricsStore(path)
        store = MetricsStore(path)
        if not store_exists(store):
            store.close()
            url = display_location(path)
            raise click.ClickException(
                f"no Tessera metrics store at {url} (no tables in its schema yet: a host creates "
                f"them when it first records, or run `tessera db migrate --db URL`)"
            )
        return store
    except TesseraError as exc:
        raise click.ClickException(str(exc)) from exc


def store_exists(store: MetricsStore) -> bool:
    """Whether a PostgreSQL store's schema has Tessera's tables; an SQLite store's file exists."""
    exists: Callable[[], bool] | None = getattr(store, "exists", None)
    if exists is None:
        return store.path.exists()
    try:
        return exists()
    except TesseraError:
        store.close()
        raise


def _missing_hint() -> str:
    """What to do when there is no database: `tessera demo` writes its own, elsewhere."""
    demo_db = data_dir() / "demo" / DB_FILENAME
    if demo_db.exists():
        return f"the demo's database is {demo_db}: pass --db {shlex.quote(str(demo_db))}"
    return "nothing recorded there yet; `tessera demo` writes an example one and prints its path"


def console() -> Console:
    """A console that fits the terminal and respects ``NO_COLOR``."""
    return Console(highlight=False)


def to_jsonable(value: Any) -> Any:
    """Dataclasses, Decimals and datetimes as JSON values (money stays exact, as a string)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def print_json(rows: Sequence[Any]) -> None:
    """Print rows as an indented JSON array."""
    click.echo(json.dumps(to_jsonable(list(rows)), indent=2))


def usd(value: Decimal | None) -> str:
    """Format a cost for a table: dollars to 6 decimals; ``—`` when unknown."""
    return "—" if value is None else f"${value:.6f}"


def known_cost(value: Decimal, calls: int, unknown: int) -> Decimal | None:
    """A group's cost, or None when no call of the group has a known cost."""
    return None if calls and unknown >= calls else value


def count(value: int | None) -> str:
    """Format a token count with thousands separators; ``—`` when not reported."""
    return "—" if value is None else f"{value:,}"


# Characters a terminal acts on rather than shows: controls (ESC, newline, tab),
# format characters (bidi overrides), line and paragraph separators, surrogates.
_ACTIVE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Format characters that belong inside emoji sequences and scripts.
_JOINERS = frozenset({"\u200c", "\u200d"})


def printable(text: str) -> str:
    """``text`` with every control or format character shown as its escape (``\\x1b``).

    Agent names, task ids and model names come from the programs being watched,
    or from a model: printed raw, an ESC or a bidi override rewrites the terminal
    and a newline breaks the table.
    """
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in _ACTIVE and ch not in _JOINERS
        else ch
        for ch in text
    )


class _PlainTable(Table):
    """A table whose text cells are shown as they are: no markup, no control characters."""

    def add_row(
        self,
        *renderables: RenderableType | None,
        style: StyleType | None = None,
        end_section: bool = False,
    ) -> None:
        cells = [Text(printable(c)) if isinstance(c, str) else c for c in renderables]
        super().add_row(*cells, style=style, end_section=end_section)


def table(title: str, columns: Sequence[tuple[str, str]]) -> Table:
    """A table with the given (header, justify) columns that fits 80 columns.

    ``justify`` is ``left`` (text), ``right`` (a figure) or ``fixed`` (left-justified,
    never wrapped, such as a time).

    Figures (right-justified columns) never wrap or get cut; when the terminal
    is narrow, only the text columns give way, cut with an ellipsis.
    """
    # No vertical rules and no outer padding: more room for the figures.
    result = _PlainTable(
        title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for header, justify in columns:
        # "fixed": left-justified text of a fixed width (a time), kept whole like a figure.
        figure = justify in ("right", "fixed")
        result.add_column(
            header,
            justify="right" if justify == "right" else "left",
            no_wrap=figure,
            overflow="ellipsis",
        )
    return result
