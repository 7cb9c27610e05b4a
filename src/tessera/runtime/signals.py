"""Turn SIGTERM into ``SystemExit`` so open tasks and spans are closed, not lost.

Python's default SIGTERM action kills the process on the spot: no ``finally``
runs, so a task still open is left ``running`` and its span (and the run's)
never reaches the trace file. Raising ``SystemExit`` instead unwinds every
``with observer.task(...)`` block: each task is recorded failed, its span
ends and is written, and the interpreter exits normally with status 143
(128 + SIGTERM), running ``atexit`` hooks.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from tessera._log import logger

#: Exit status of a process ended by SIGTERM, as shells report it (128 + 15).
SIGTERM_EXIT_STATUS = 128 + signal.SIGTERM


def _raise_system_exit(signum: int, frame: FrameType | None) -> None:
    del frame
    logger.warning("tessera: received signal %d; closing open tasks and spans", signum)
    raise SystemExit(SIGTERM_EXIT_STATUS)


def install_sigterm_handler() -> bool:
    """Make SIGTERM raise ``SystemExit(143)`` if nothing else handles it yet.

    A handler the program (or a framework) already installed is left alone, and
    so is an ignored SIGTERM. Signal handlers can only be set from the main
    thread; from any other thread nothing is installed.

    Returns:
        True when the handler was installed (or already was), False otherwise.
    """
    if threading.current_thread() is not threading.main_thread():
        logger.warning("tessera: SIGTERM handler not installed: not in the main thread")
        return False
    current = signal.getsignal(signal.SIGTERM)
    if current is _raise_system_exit:
        return True
    if current is not signal.SIG_DFL:
        logger.info("tessera: SIGTERM already handled by the program; handler not installed")
        return False
    signal.signal(signal.SIGTERM, _raise_system_exit)
    return True
