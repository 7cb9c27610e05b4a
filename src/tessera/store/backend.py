"""Which backend a metrics database location names: an SQLite file or a PostgreSQL URL.

A location is a file path (SQLite, the default) or a ``postgresql://`` /
``postgres://`` URL (the shared store of a fleet). Callers often pass
locations through :class:`pathlib.Path`, which folds ``//`` into ``/``; such
a folded URL is recognized and repaired here, so ``MetricsStore(Path(url))``
works as well as ``MetricsStore(url)``.
"""

from __future__ import annotations

import os
import re

_SCHEME = re.compile(r"^(postgresql|postgres):/+", re.IGNORECASE)


def is_postgres_url(location: str | os.PathLike[str] | None) -> bool:
    """Whether ``location`` is a PostgreSQL URL (possibly folded by ``Path``)."""
    return location is not None and _SCHEME.match(os.fspath(location)) is not None


def postgres_url(location: str | os.PathLike[str]) -> str:
    """The URL of ``location``, with the ``//`` that ``Path`` may have folded restored.

    Raises:
        ValueError: ``location`` is not a PostgreSQL URL.
    """
    text = os.fspath(location)
    found = _SCHEME.match(text)
    if found is None:
        raise ValueError(f"not a PostgreSQL URL: {text!r}")
    rest = text[found.end() :]
    if text[: found.end()].endswith("//"):
        # Unfolded: keep every slash ("postgresql:///db" means the local socket).
        rest = text[len(found.group(1)) + 3 :]
    return f"{found.group(1).lower()}://{rest}"


_NETLOC = re.compile(r"^([^:/?#]+://)([^/?#]*)(.*)$", re.DOTALL)
_PASSWORD_PARAM = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and ``repr``.

    The password of the user part and of a ``password=`` parameter are hidden;
    everything else is kept as written (``[::1]``, several ``host:port``, an
    upper-case host), so the URL stays copyable. Never raises.
    """
    found = _NETLOC.match(url)
    if found is None:
        return _PASSWORD_PARAM.sub(r"\1***", url)
    scheme, netloc, rest = found.groups()
    userinfo, at, hosts = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hosts}"
    return scheme + netloc + _PASSWORD_PARAM.sub(r"\1***", rest)


def display_location(location: str | os.PathLike[str]) -> str:
    """How to show a store's location: a file path as is, a URL whole and without its password."""
    if is_postgres_url(location):
        return redacted(postgres_url(location))
    return os.fspath(location)
