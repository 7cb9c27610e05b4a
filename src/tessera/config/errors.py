"""Turning a validation failure into one line that says what to fix."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tessera.config.model import TesseraConfig


def describe_validation_error(path: Path, exc: ValidationError) -> str:
    """``<file>: <key.path>: <problem> (got <value>); expected <form>`` for the first error."""
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"]]
    key = ".".join(loc)
    if first["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1])
        guess = difflib.get_close_matches(loc[-1], known, n=1)
        hint = f"; did you mean {'.'.join([*loc[:-1], guess[0]])!r}?" if guess else ""
        where = ".".join(loc[:-1]) or "the top level"
        return f"{path}: unknown key {key!r}{hint} (keys of {where}: {', '.join(known)})"
    message = first["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    got = f" (got {first['input']!r})" if first["type"] != "missing" else ""
    return f"{path}: {key}: {message}{got}"


def _known_keys(loc: list[str]) -> list[str]:
    """The keys allowed at ``loc`` in the configuration model."""
    model: Any = TesseraConfig
    for part in loc:
        if part.isdigit():
            continue
        field = _field(model, part)
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
