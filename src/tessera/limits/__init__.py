"""Spending limits that hold across threads and processes (DESIGN §9)."""

from __future__ import annotations

from tessera.limits.guard import Crossing, SpendGuard
from tessera.limits.policy import CostLimits
from tessera.limits.window import day_window

__all__ = ("CostLimits", "Crossing", "SpendGuard", "day_window")
