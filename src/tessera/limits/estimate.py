"""An upper bound on what a request can cost, before it is sent.

A hard limit holds only if the amount reserved for a call is never less than
what the call then costs. So the estimate is a bound, not a guess: every
input token is counted as at most one byte of the request's JSON and priced at
the dearest input rate the model has (cache writes can cost more than plain
input), and the output at ``max_tokens`` (or the configured default) at the
dearest output rate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tessera.pricing.row import PriceRow

#: Request keys whose values are sent to the model as input.
_INPUT_KEYS = ("messages", "system", "tools", "input", "instructions", "contents", "prompt")
#: Request keys that bound the output, by SDK.
_OUTPUT_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
_MTOK = Decimal(1_000_000)


def input_token_bound(request: Mapping[str, Any]) -> int:
    """At most this many input tokens: the UTF-8 size of the request's input parts."""
    parts = {key: request[key] for key in _INPUT_KEYS if key in request}
    text = json.dumps(parts, default=str, ensure_ascii=False)
    return len(text.encode("utf-8"))


def output_token_bound(request: Mapping[str, Any], default: int) -> int:
    """The request's own output cap, else ``default``."""
    for key in _OUTPUT_KEYS:
        value = request.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return default


def cost_bound(price: PriceRow, input_tokens: int, output_tokens: int) -> Decimal:
    """The most ``input_tokens`` in and ``output_tokens`` out can cost at ``price``."""
    input_rates = [price.prompt_per_mtok, price.cache_write_per_mtok, price.cache_write_1h_per_mtok]
    output_rates = [price.completion_per_mtok, price.reasoning_per_mtok]
    if price.long_context_threshold is not None and input_tokens > price.long_context_threshold:
        input_rates += [price.long_context_prompt_per_mtok, price.long_context_cache_write_per_mtok]
        output_rates += [price.long_context_completion_per_mtok]
    top_in = max(rate for rate in input_rates if rate is not None)
    top_out = max(rate for rate in output_rates if rate is not None)
    return (input_tokens * top_in + output_tokens * top_out) / _MTOK
