"""Loading ``config.yaml``: file location, validation, path expansion."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tessera.config.model import TesseraConfig
from tessera.errors import ConfigError
from tessera.paths import default_db_path, default_traces_path

__all__ = [
    "TesseraConfig",
    "config_path",
    "expand_path",
    "load_config",
    "metrics_db_path",
    "traces_file_path",
]


def config_path() -> Path:
    """``$TESSERA_CONFIG``, else ``$XDG_CONFIG_HOME/tessera/config.yaml``."""
    override = os.environ.get("TESSERA_CONFIG")
    if override:
        return expand_path(override)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "tessera" / "config.yaml"


def expand_path(value: str) -> Path:
    """Expand ``$VAR`` and ``~`` in a path from the config or the environment."""
    return Path(os.path.expanduser(os.path.expandvars(value)))


def load_config(path: Path | None = None) -> TesseraConfig:
    """Read and validate the configuration; a missing file means every default.

    Raises:
        ConfigError: The file is not valid YAML or holds a bad key or value; the
            message names the file, the key path, the bad value and the expected form.
    """
    path = path if path is not None else config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return TesseraConfig()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from exc
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return TesseraConfig()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    try:
        return TesseraConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from exc


def _describe(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"{path}: unknown key {key!r}"
    return f"{path}: {key}: {first['msg']} (got {first.get('input')!r})"


def metrics_db_path(config: TesseraConfig) -> Path:
    """The metrics database the configuration points at."""
    configured = config.observability.local.metrics_db
    return expand_path(configured) if configured else default_db_path()


def traces_file_path(config: TesseraConfig) -> Path:
    """The JSONL trace file the configuration points at."""
    configured = config.observability.local.traces_file
    return expand_path(configured) if configured else default_traces_path()
