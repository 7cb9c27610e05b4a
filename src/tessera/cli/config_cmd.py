"""``tessera config show|check``: the effective configuration and where each value came from."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from tessera.config import (
    ENV_METRICS_DB,
    ENV_TRACES_FILE,
    config_path,
    load_config,
    metrics_db_path,
    read_config_data,
    traces_file_path,
)
from tessera.store.backend import display_location, is_postgres_url


@click.group(name="config")
def config_group() -> None:
    """Show or check the configuration file."""


@config_group.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def show(as_json: bool) -> None:
    """The effective configuration, with the source of every value."""
    path = config_path()
    config = load_config(path)
    raw = read_config_data(path)
    rows = []
    for key, value in _leaves(config.model_dump(mode="json", by_alias=True)):
        if isinstance(value, str) and is_postgres_url(value):
            value = display_location(value)  # never print a password
        rows.append({"key": key, "value": value, "source": _source(key, raw, path)})
    rows += [
        {
            "key": "(metrics database)",
            "value": display_location(metrics_db_path(config)),
            "source": _path_source(ENV_METRICS_DB, "observability.local.metrics_db", raw, path),
        },
        {
            "key": "(trace file)",
            "value": str(traces_file_path(config)),
            "source": _path_source(ENV_TRACES_FILE, "observability.local.traces_file", raw, path),
        },
    ]
    if as_json:
        click.echo(
            json.dumps({"file": str(path), "exists": path.exists(), "settings": rows}, indent=2)
        )
        return
    state = "" if path.exists() else " (not found: every setting has its default)"
    click.echo(f"# {path}{state}")
    for row in rows:
        click.echo(f"{row['key']}: {json.dumps(row['value'])}  # {row['source']}")


@config_group.command()
def check() -> None:
    """Validate the configuration file; exit 1 with the first problem."""
    path = config_path()
    load_config(path)
    if path.exists():
        click.echo(f"ok: {path} is valid")
    else:
        click.echo(f"ok: no file at {path}; every setting has its default")


def _leaves(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _leaves(value, name + ".")
        else:
            yield name, value


def _source(key: str, raw: dict[str, Any], path: Path) -> str:
    node: Any = raw
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return "default"
        node = node[part]
    return f"file {path.name}"


def _path_source(env_var: str, key: str, raw: dict[str, Any], path: Path) -> str:
    if os.environ.get(env_var):
        return f"env {env_var}"
    if os.environ.get("TESSERA_DATA_DIR"):
        return "env TESSERA_DATA_DIR"
    return _source(key, raw, path) if _source(key, raw, path) != "default" else "default"
