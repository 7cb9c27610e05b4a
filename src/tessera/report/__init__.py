"""The self-contained HTML report: data gathered from the store, charts as inline SVG."""

from __future__ import annotations

from tessera.report.data import DayCost, ReportData, TokenKinds, collect, token_kinds

__all__ = ("DayCost", "ReportData", "TokenKinds", "collect", "token_kinds")
