"""Turn SDK objects into plain dicts and read token counts without trusting them.

Provider modules read plain dicts only, so a pydantic model from the OpenAI or
Anthropic SDK, an object with ``to_dict()`` and a parsed JSON body all look the
same to them. Counts go through :class:`Reader`, which accepts only
non-negative integers and names everything else in the usage's problems.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# Deeper nesting than any provider body; stops runaway recursion on odd objects.
_MAX_DEPTH = 24

#: The largest token count believed. No model call comes near it (the largest
#: context windows hold about ten million tokens); a bigger "count" is garbage,
#: and priced in picodollars it would overflow the database's 64-bit integers.
MAX_TOKEN_COUNT = 10**9


def short(value: object, limit: int = 40) -> str:
    """A bounded ``repr`` for problem messages, so a huge value cannot flood a record."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dump(obj: object) -> object:
    """The dict an SDK object gives of itself, or None when it offers none."""
    model_dump = getattr(obj, "model_dump", None)
    if callable(model_dump):
        try:
            # exclude_unset keeps what the provider sent; warnings=False because
            # SDK responses are built without validation and may hold odd types.
            return model_dump(by_alias=True, exclude_unset=True, warnings=False)
        except TypeError:
            return model_dump()
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return None


def _plain(value: object, depth: int) -> object:
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    dumped = _dump(value)
    if isinstance(dumped, Mapping):
        return _plain(dumped, depth + 1)
    return value


def as_dict(obj: object) -> dict[str, Any] | None:
    """A plain-dict copy of a mapping or an SDK object, or None if it is neither.

    Args:
        obj: A dict or other Mapping, a pydantic model (``model_dump``), or an
            object with ``to_dict()``. Nested SDK objects are converted too.

    Returns:
        A new dict with string keys, or None when ``obj`` cannot be read as one
        (including when the SDK object's own conversion fails).
    """
    try:
        source = obj if isinstance(obj, Mapping) else _dump(obj)
        if not isinstance(source, Mapping):
            return None
        result = _plain(source, 0)
    except Exception:  # an SDK object that cannot dump itself is just unreadable
        return None
    return result if isinstance(result, dict) else None


def as_count(value: object) -> int | None:
    """``value`` as a token count, or None when it is not one.

    A count is a non-negative ``int`` up to :data:`MAX_TOKEN_COUNT`; an integral
    finite float such as ``12.0`` is accepted. ``bool``, strings, negatives,
    NaN, larger numbers and anything else are not.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_TOKEN_COUNT else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value) if 0 <= value <= MAX_TOKEN_COUNT else None
    return None


def _too_large(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value > MAX_TOKEN_COUNT and not (isinstance(value, float) and math.isinf(value))


def text(value: object) -> str | None:
    """``value`` when it is a non-empty string, else None (ids and model names)."""
    return value if isinstance(value, str) and value else None


class Reader:
    """Reads counts and sub-objects from a usage block, collecting problems.

    Missing and ``null`` values are "not reported" (None, no problem). A value
    that is present but not a count becomes None too, and is named in
    :attr:`problems` and :attr:`bad` so callers know a sum built from it is unknown.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.bad: set[str] = set()

    def flag(self, problem: str) -> None:
        """Record a problem found outside :meth:`count` and :meth:`block`."""
        if problem not in self.problems:
            self.problems.append(problem)

    def count(self, block: Mapping[str, Any] | None, key: str, path: str) -> int | None:
        """The count at ``block[key]``; ``path`` names it in problem messages."""
        if block is None:
            return None
        value = block.get(key)
        if value is None:
            return None
        result = as_count(value)
        if result is None:
            self.bad.add(path)
            if _too_large(value):
                self.flag(f"{path} is too large to be a token count: {short(value)}")
            else:
                self.flag(f"{path} is not a non-negative integer count: {short(value)}")
        return result

    def block(
        self, parent: Mapping[str, Any] | None, key: str, path: str
    ) -> Mapping[str, Any] | None:
        """The object at ``parent[key]``, or None if absent, null or not an object."""
        if parent is None:
            return None
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, Mapping):
            return value
        self.bad.add(path)
        self.flag(f"{path} is not an object: {short(value)}")
        return None
