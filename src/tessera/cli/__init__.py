"""The ``tessera`` command."""

from __future__ import annotations


def entry_point() -> None:
    """Console-script entry point."""
    raise SystemExit(0)
