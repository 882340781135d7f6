"""SIGINT and SIGTERM held back over a stretch of work that must not be cut half-way.

Two such stretches: renaming the staged output into place (a commit stopped
half-way leaves `output/` part old, part new), and forking a process. A fork
runs Python callbacks in the parent (logging's at-fork locks) where an exception
a signal handler raises is printed and dropped: the stop is lost, and the
handler that raised has already done what it does only once.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_CAN_BLOCK = hasattr(signal, "pthread_sigmask")


@contextmanager
def held() -> Iterator[None]:
    """Stop signals that arrive in the block act as it ends, as they would have.

    Both halves are needed. Python runs handlers in the main thread whichever thread
    the kernel delivers a signal to, so the main thread's handlers are swapped for
    ones that take note. And this thread blocks the signals, so that a process forked
    in the block inherits them blocked: one sent to it stays pending until it has set
    its own handlers (`release_in_child`), instead of reaching the note-taker it
    inherited and being lost.
    """
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS) if _CAN_BLOCK else None
    received: list[int] = []
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum)) for sig in STOP_SIGNALS} \
        if in_main_thread else {}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a pending one reaches its own handler now
        for sig in received:
            signal.raise_signal(sig)


def release_in_child() -> None:
    """In a process forked inside `held()`, once it has its own handlers: let the signals in."""
    if _CAN_BLOCK:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
