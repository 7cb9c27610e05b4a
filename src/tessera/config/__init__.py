"""Loading ``config.yaml``: where it is, validation, environment overrides, path expansion.

Precedence, highest first: an explicit argument (``--db``), an environment
variable, the configuration file, the built-in default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tessera.config.errors import describe_validation_error
from tessera.config.model import TesseraConfig
from tessera.errors import ConfigError
from tessera.paths import DB_FILENAME, TRACES_FILENAME, default_db_path, default_traces_path

__all__ = [
    "ENV_METRICS_DB",
    "ENV_TRACES_FILE",
    "TesseraConfig",
    "config_path",
    "expand_path",
    "load_config",
    "metrics_db_path",
    "traces_file_path",
]

#: Environment variables that override one path each.
ENV_METRICS_DB = "TESSERA_METRICS_DB"
ENV_TRACES_FILE = "TESSERA_TRACES_FILE"


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
    data = read_config_data(path)
    try:
        return TesseraConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(path, exc)) from exc


def read_config_data(path: Path) -> dict[str, Any]:
    """The file's YAML as a mapping (empty when the file does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "the configuration must be a UTF-8 YAML file"
        ) from exc
    try:
        data: Any = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error on one line: what is wrong and where."""
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping.

    Plain YAML keeps the last of two ``cost:`` sections without a word, so half
    of what the user wrote would be ignored.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def metrics_db_path(config: TesseraConfig) -> Path:
    """The metrics database: ``$TESSERA_METRICS_DB``, ``$TESSERA_DATA_DIR``, the file, default."""
    return _path(
        config.observability.local.metrics_db, ENV_METRICS_DB, DB_FILENAME, default_db_path
    )


def traces_file_path(config: TesseraConfig) -> Path:
    """The trace file: ``$TESSERA_TRACES_FILE``, ``$TESSERA_DATA_DIR``, the file, default."""
    return _path(
        config.observability.local.traces_file,
        ENV_TRACES_FILE,
        TRACES_FILENAME,
        default_traces_path,
    )


def _path(configured: str | None, env_var: str, filename: str, default: Any) -> Path:
    own = os.environ.get(env_var)
    if own:
        return expand_path(own)
    data_dir = os.environ.get("TESSERA_DATA_DIR")
    if data_dir:
        return expand_path(data_dir) / filename
    if configured:
        return expand_path(configured)
    result: Path = default()
    return result
