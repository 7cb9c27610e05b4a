"""One-time notices: unpriced models and deprecated models.

Once per process, not per calculator, because every ``Observer`` builds its
own calculator and a long run would otherwise repeat the same warning.
"""

from __future__ import annotations

import threading
import warnings
from datetime import date

from tessera._log import logger
from tessera.errors import UnpricedModelWarning
from tessera.pricing.names import provider_id
from tessera.pricing.row import PriceRow

_lock = threading.Lock()
_warned_unpriced: set[tuple[str | None, str | None]] = set()
_noted_deprecated: set[tuple[str | None, str | None]] = set()


def _first_time(
    seen: set[tuple[str | None, str | None]], key: tuple[str | None, str | None]
) -> bool:
    with _lock:
        if key in seen:
            return False
        seen.add(key)
        return True


def warn_unpriced(provider: str | None, model: str | None) -> None:
    """Warn (once per provider and model) that calls of a model are recorded without a cost.

    Gives an :class:`~tessera.errors.UnpricedModelWarning` pointing at the code
    that asked for the price, and one logged warning.
    """
    canonical = provider_id(provider)
    if not _first_time(_warned_unpriced, (canonical, model.strip().lower() if model else None)):
        return
    where = f" (provider {canonical})" if canonical else ""
    message = (
        f"no price known for model {model!r}{where}: its calls are recorded with cost "
        f"unknown (status 'unpriced'), never $0. Add a price with `tessera pricing add ...` "
        f"or CostCalculator().add_pricing({model!r}, provider=..., prompt_per_mtok=..., "
        f"completion_per_mtok=...)"
    )
    # stacklevel 4: warn_unpriced <- CostCalculator._price <- price_call / cost_of <- caller.
    warnings.warn(message, UnpricedModelWarning, stacklevel=4)
    logger.warning("tessera: %s", message)


def note_deprecated(row: PriceRow, day: date) -> None:
    """Log once per model when a call is priced on or after the row's deprecation date."""
    if row.deprecated_date is None or day < row.deprecated_date:
        return
    if _first_time(_noted_deprecated, (row.provider, row.model_name)):
        logger.warning(
            "tessera: model %s (%s) was deprecated on %s; still priced at its last price",
            row.model_name,
            row.provider,
            row.deprecated_date,
        )
