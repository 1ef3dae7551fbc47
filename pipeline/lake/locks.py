"""Locks between processes: one run per service day at a time; runs of different days in parallel.

An advisory lock (flock) on a file per day under the lake; the kernel releases it when a process
dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import date

from pipeline.config import Settings

WAIT_S = 600
# Entered while this process waits for a lock another process holds: a night that holds the
# catalog lets go of it meanwhile (catalog.held), so that the holder can finish.
_WHILE_WAITING: list = []


def while_waiting(hook: Callable[[], AbstractContextManager[object]]) -> None:
    """Register a context manager factory to enter whenever a lock has to be waited for."""
    _WHILE_WAITING.append(hook)


class DayBusyError(RuntimeError):
    """Another run holds the service day."""


def day_lock(settings: Settings, day: date, wait_s: float = WAIT_S) -> AbstractContextManager[None]:
    """Hold the lock of a service day, waiting up to wait_s for another run to finish."""
    return named_lock(settings, f"day={day.isoformat()}", wait_s, f"service day {day}")


@contextmanager
def named_lock(
    settings: Settings, name: str, wait_s: float = WAIT_S, what: str | None = None, shared: bool = False
) -> Iterator[None]:
    """Hold the lock `name` (a day, a file), waiting up to wait_s for its holder; shared: with
    other shared holders, apart from an exclusive one."""
    folder = settings.home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.lock"
    handle = open(path, "a+")
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    try:
        if not _try(handle, mode):
            with ExitStack() as waiting:
                for hook in _WHILE_WAITING:
                    waiting.enter_context(hook())
                _wait(handle, mode, wait_s, what or name)
        if not shared:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
        yield
    finally:
        handle.close()


def _try(handle, mode: int) -> bool:
    try:
        fcntl.flock(handle, mode)
    except BlockingIOError:
        return False
    return True


def _wait(handle, mode: int, wait_s: float, what: str) -> None:
    deadline = time.monotonic() + wait_s
    while not _try(handle, mode):
        if time.monotonic() > deadline:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise DayBusyError(
                f"{what} is being processed by {holder}; waited {wait_s:.0f} s. "
                "Let that run finish, or stop it, then run it again."
            ) from None
        time.sleep(0.2)


def busy(settings: Settings, name: str) -> bool:
    """Whether some run holds the lock `name` now (this process included)."""
    path = settings.home / "locks" / f"{name}.lock"
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False
