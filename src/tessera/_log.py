"""The one ``tessera`` logger, and the rule for instrumentation faults."""

from __future__ import annotations

import logging

logger = logging.getLogger("tessera")


def log_internal_error(what: str, detail: str = "") -> None:
    """Log an instrumentation fault with its traceback; the user's program goes on.

    Call it from an ``except`` block. Tessera must never break the program it
    watches, so faults in capture, pricing, storage or tracing end here.

    Args:
        what: What was being done ("storing a model call").
        detail: More to say, in parentheses after "failed".
    """
    logger.exception(
        "tessera: %s failed%s; the program continues, this record may be incomplete",
        what,
        f" ({detail})" if detail else "",
    )
