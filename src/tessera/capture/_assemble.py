"""The checks every provider shape applies before handing out a :class:`Usage`.

Provider modules map their fields onto the normalized names; this module holds
the rules that do not depend on the provider (DESIGN §4): a part never exceeds
its whole, the total is input + output, and a record with neither input nor
output is not reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from tessera.capture._convert import Reader
from tessera.usage import Usage


def _part(
    reader: Reader, name: str, part: int | None, whole_name: str, whole: int | None
) -> int | None:
    # A part larger than its whole means one of the two is wrong. Dropping the part
    # keeps every derived count (uncached input, priced input) non-negative.
    if part is None or whole is None or part <= whole:
        return part
    reader.flag(f"{name} ({part}) exceeds {whole_name} ({whole}); {name} left unset")
    return None


def assemble(
    reader: Reader,
    *,
    provider: str,
    model: str | None,
    response_id: str | None,
    raw: Mapping[str, Any],
    input_tokens: int | None,
    output_tokens: int | None,
    cache_read: int | None,
    cache_write: int | None,
    reasoning: int | None,
    provider_total: int | None = None,
    extras: Mapping[str, Any] | None = None,
) -> Usage:
    """Check the mapped counts against each other and build the :class:`Usage`.

    Args:
        reader: The reader that read the counts; its problems go into the record.
        provider: Canonical provider id.
        model: Served model named by the response.
        response_id: The provider's response id.
        raw: The provider's usage block, as a plain dict.
        input_tokens: Whole input (uncached + cache read + cache write).
        output_tokens: Whole output (reasoning included).
        cache_read: Part of the input read from the cache.
        cache_write: Part of the input written to the cache.
        reasoning: Part of the output spent on reasoning.
        provider_total: The total the provider sent, if any, to check ours against.
        extras: Further breakdowns for :attr:`Usage.extras`.

    Returns:
        The normalized usage; ``reported`` is False when neither input nor output
        could be read.
    """
    cache_read = _part(reader, "cache_read_tokens", cache_read, "input_tokens", input_tokens)
    cache_write = _part(reader, "cache_write_tokens", cache_write, "input_tokens", input_tokens)
    if cache_read is not None and cache_write is not None and input_tokens is not None:
        cache_write = _part(
            reader,
            "cache_write_tokens",
            cache_write,
            "input_tokens minus cache_read_tokens",
            input_tokens - cache_read,
        )
    reasoning = _part(reader, "reasoning_tokens", reasoning, "output_tokens", output_tokens)

    total = None
    if input_tokens is not None and output_tokens is not None:
        total = input_tokens + output_tokens
        if provider_total is not None and provider_total != total:
            reader.flag(
                f"provider total_tokens ({provider_total}) disagrees with input + output "
                f"({input_tokens} + {output_tokens} = {total}); kept {total}"
            )

    reported = input_tokens is not None or output_tokens is not None
    if not reported:
        reader.flag("usage carried no readable input or output count")
    return Usage(
        provider=provider,
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=reasoning,
        reported=reported,
        raw=dict(raw),
        extras=dict(extras or {}),
        problems=tuple(reader.problems),
        response_id=response_id,
    )


def not_reported(
    provider: str | None,
    model: str | None,
    response_id: str | None,
    problems: list[str],
    raw: Mapping[str, Any] | None = None,
) -> Usage:
    """A usage for a response without readable counts, keeping its model and id."""
    return Usage(
        provider=provider,
        model=model,
        reported=False,
        raw=dict(raw or {}),
        problems=tuple(problems),
        response_id=response_id,
    )


def with_problems(usage: Usage, first: Sequence[str]) -> Usage:
    """``usage`` with the problems ``first`` put ahead of its own (no duplicates)."""
    merged = list(first) + [p for p in usage.problems if p not in first]
    return usage if tuple(merged) == usage.problems else replace(usage, problems=tuple(merged))
