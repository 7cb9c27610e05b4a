"""Every error and warning Tessera raises on purpose.

All errors derive from :class:`TesseraError`, so a caller can catch the whole
family in one place; all warnings derive from :class:`TesseraWarning`.
"""

from __future__ import annotations


class TesseraError(Exception):
    """Root of every error Tessera raises on purpose."""


class ConfigError(TesseraError, ValueError):
    """The configuration file or an environment override holds a bad value."""


class StoreError(TesseraError):
    """The metrics database cannot be used (not SQLite, corrupt, or too new)."""


class UnknownModelError(TesseraError, LookupError):
    """No price is known for a model that ``calculate_cost`` was asked to price."""

    def __init__(self, model: str, provider: str | None = None) -> None:
        self.model = model
        self.provider = provider
        where = f" (provider {provider})" if provider else ""
        super().__init__(
            f"no price known for model {model!r}{where}; add one with "
            f"CostCalculator.add_pricing(...) or `tessera pricing add`"
        )


class CostLimitExceeded(TesseraError):
    """A hard cost limit refused a call or a task before any request was sent.

    Attributes:
        limit: The limit's configuration key (``cost.limits.per_task.max_usd``).
        spent_usd: Recorded spend in the limit's window.
        cap_usd: The cap.
        estimate_usd: The refused call's cost bound, when it had one.
        reserved_usd: Money held by calls in flight at the time.
    """

    def __init__(
        self,
        limit: str,
        spent_usd: object,
        cap_usd: object,
        estimate_usd: object = None,
        reserved_usd: object = None,
        message: str | None = None,
    ) -> None:
        self.limit = limit
        self.spent_usd = spent_usd
        self.cap_usd = cap_usd
        self.estimate_usd = estimate_usd
        self.reserved_usd = reserved_usd
        if message is None:
            held = f" + ${reserved_usd} reserved" if reserved_usd else ""
            extra = f" + this call's estimate ${estimate_usd}" if estimate_usd else ""
            message = (
                f"{limit} reached: spent ${spent_usd}{held}{extra} would pass the "
                f"${cap_usd} cap; the request was not sent"
            )
        super().__init__(message)


class TesseraWarning(UserWarning):
    """Root of every warning Tessera gives to callers."""


class CostLimitWarning(TesseraWarning):
    """A soft cost limit was crossed; nothing was refused."""


class UnpricedModelWarning(TesseraWarning):
    """A call was recorded without a cost because its model has no known price."""
