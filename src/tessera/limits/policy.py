"""Which spending limits apply: a daily cap over all processes and a per-task cap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tessera.config.model import TesseraConfig

Enforcement = Literal["soft", "hard"]


@dataclass(frozen=True, slots=True)
class CostLimits:
    """Spending limits (DESIGN §9); ``None`` means no such limit.

    Attributes:
        daily_usd: Cap on the day's spend, summed over every process sharing
            the store; the day is the configured time zone's calendar day.
        daily_enforcement: ``soft`` warns once when crossed; ``hard`` refuses.
        per_task_usd: Cap on one task's spend (all its calls, every phase).
        per_task_enforcement: ``soft`` or ``hard``, as above.
        unpriced: Under a hard limit, a call to a model with no known price
            cannot be estimated: ``refuse`` it (the default) or ``allow`` it.
        default_max_output_tokens: Output bound used to estimate a request
            that sets no ``max_tokens``; a request that does set it is
            estimated from it.
    """

    daily_usd: Decimal | None = None
    daily_enforcement: Enforcement = "soft"
    per_task_usd: Decimal | None = None
    per_task_enforcement: Enforcement = "hard"
    unpriced: Literal["refuse", "allow"] = "refuse"
    default_max_output_tokens: int = 4096

    def __post_init__(self) -> None:
        # Checked here, not when the first call is limited: "Hard" taken as soft,
        # or a NaN cap failing every admission, would turn a limit off silently.
        for name in ("daily_usd", "per_task_usd"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, usd_amount(f"CostLimits.{name}", value))
        for name in ("daily_enforcement", "per_task_enforcement"):
            _one_of(f"CostLimits.{name}", getattr(self, name), ("soft", "hard"))
        _one_of("CostLimits.unpriced", self.unpriced, ("refuse", "allow"))
        tokens = self.default_max_output_tokens
        if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
            raise ValueError(
                f"CostLimits.default_max_output_tokens must be a whole number of at least 1, "
                f"got {tokens!r}"
            )

    @classmethod
    def from_config(cls, config: TesseraConfig) -> CostLimits:
        """The limits of ``cost.limits`` in the configuration."""
        limits = config.cost.limits
        return cls(
            daily_usd=limits.global_.daily_usd,
            daily_enforcement=limits.global_.enforcement,
            per_task_usd=limits.per_task.max_usd,
            per_task_enforcement=limits.per_task.enforcement,
            unpriced=limits.unpriced,
        )

    @property
    def any(self) -> bool:
        """Whether any limit is set."""
        return self.daily_usd is not None or self.per_task_usd is not None

    @property
    def any_hard(self) -> bool:
        """Whether any limit refuses calls."""
        return (self.daily_usd is not None and self.daily_enforcement == "hard") or (
            self.per_task_usd is not None and self.per_task_enforcement == "hard"
        )


def usd_amount(name: str, value: object) -> Decimal:
    """``value`` as an exact, finite, non-negative ``Decimal`` (floats through their repr).

    Raises:
        ValueError: ``value`` is not such an amount; the message names ``name``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{name} must be an amount in USD, got {value!r}")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} must be an amount in USD, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} must be a finite amount of at least 0 USD, got {value!r}")
    return amount


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        choices = " or ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be {choices}, got {value!r}")
