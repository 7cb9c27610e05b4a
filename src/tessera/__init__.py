"""Tessera: local observability for teams of LLM agents.

The public API lives in :mod:`tessera.observability` and :mod:`tessera.workflow`.
"""

from __future__ import annotations

__version__ = "0.1.0"
