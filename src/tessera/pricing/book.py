"""Where the cost calculator keeps its price rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tessera.pricing.row import PriceRow


class PriceBook(Protocol):
    """Persistent storage of price rows (the metrics store's ``model_pricing`` table).

    The cost calculator needs only these two methods, so any store can back it.
    """

    def load_prices(self, builtin: Sequence[PriceRow]) -> list[PriceRow]:
        """Sync the built-in rows into storage and return every active row.

        Args:
            builtin: The shipped price table (rows with ``source="builtin"``, ``id`` None).

        Returns:
            The built-in and the user rows, each with its storage ``id``.
        """
        ...

    def add_price(self, row: PriceRow) -> PriceRow:
        """Persist a user row (``source="user"``) and return it with its ``id``."""
        ...
