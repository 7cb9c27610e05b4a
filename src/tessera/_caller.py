"""Where the user's code called into Tessera, for warnings that point at it."""

from __future__ import annotations

import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_location() -> tuple[str, int]:
    """File and line of the innermost frame outside the ``tessera`` package.

    A warning about a call (an unpriced model, a crossed soft limit) is given
    deep inside Tessera, often after the SDK returned; pointing it at the
    user's line, as ``stacklevel`` would if the depth were fixed, is what makes
    it actionable.
    """
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE):
            return filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>", 0
