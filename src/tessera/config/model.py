"""The shape of ``config.yaml`` (DESIGN §11): every key optional, unknown keys refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator


class _Section(BaseModel):
    # Unknown keys are errors (a typo must not silently turn a limit off), and
    # values are not coerced between types except where pydantic's lax mode is
    # unambiguous ("10" for a dollar amount).
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalSettings(_Section):
    """Where the local metrics database and trace file live."""

    enabled: StrictBool = True
    traces_file: str | None = None
    metrics_db: str | None = None
    #: Rotate the trace file when it would pass this size; None keeps one growing file.
    traces_max_bytes: int | None = Field(default=None, gt=0)
    #: Rotated trace files kept (traces.jsonl.1 ... .N).
    traces_backup_count: int = Field(default=5, ge=0)


class OtlpSettings(_Section):
    """Optional export of spans to an OpenTelemetry collector (off by default)."""

    endpoint: str | None = None


class ObservabilitySettings(_Section):
    """The ``observability`` section."""

    local: LocalSettings = Field(default_factory=LocalSettings)
    capture_content: StrictBool = False
    otlp: OtlpSettings = Field(default_factory=OtlpSettings)


class GlobalLimit(_Section):
    """``cost.limits.global``: a daily cap over every process sharing the store."""

    daily_usd: Decimal | None = Field(default=None, ge=0)
    enforcement: Literal["soft", "hard"] = "soft"


class TaskLimit(_Section):
    """``cost.limits.per_task``: a cap on the spend of one task."""

    max_usd: Decimal | None = Field(default=None, ge=0)
    enforcement: Literal["soft", "hard"] = "hard"


class Limits(_Section):
    """The ``cost.limits`` section."""

    global_: GlobalLimit = Field(default_factory=GlobalLimit, alias="global")
    per_task: TaskLimit = Field(default_factory=TaskLimit)
    #: Under a hard limit, a call to a model with no price cannot be bounded:
    #: refuse it (default) or allow it while the limit is not yet reached.
    unpriced: Literal["refuse", "allow"] = "refuse"


class CostSettings(_Section):
    """The ``cost`` section."""

    limits: Limits = Field(default_factory=Limits)
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Europe/Paris' or 'UTC'"
            ) from None
        return value


#: tessera.pricing.custom.MAX_PRICE_PER_MTOK per 1,000 tokens (not imported:
#: the pricing package reads this configuration).
MAX_PRICE_PER_1K = Decimal(10)


class CustomPrice(_Section):
    """One row of ``pricing.custom``: prices in USD per 1,000 tokens, as in the seed."""

    model: str
    provider: str | None = None
    prompt_price_per_1k: Decimal = Field(ge=0, le=MAX_PRICE_PER_1K)
    completion_price_per_1k: Decimal = Field(ge=0, le=MAX_PRICE_PER_1K)
    cache_read_price_per_1k: Decimal | None = Field(default=None, ge=0, le=MAX_PRICE_PER_1K)
    cache_write_price_per_1k: Decimal | None = Field(default=None, ge=0, le=MAX_PRICE_PER_1K)
    model_pattern: str | None = None
    effective_date: str | None = None


class PricingSettings(_Section):
    """The ``pricing`` section."""

    custom: list[CustomPrice] = Field(default_factory=list)
    #: Price models missing from the built-in table with genai-prices' bundled
    #: data (the ``genai-prices`` extra); off by default.
    genai_prices_fallback: StrictBool = False


class TesseraConfig(_Section):
    """The whole configuration file."""

    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    cost: CostSettings = Field(default_factory=CostSettings)
    pricing: PricingSettings = Field(default_factory=PricingSettings)
