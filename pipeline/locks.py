"""Locks between processes: one run per service day at a time; runs of different days in parallel.

An advisory lock (flock) on a file per day under the lake; the kernel releases it when a process
dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from datetime import date

from pipeline.config import Settings

WAIT_S = 600


class DayBusyError(RuntimeError):
    """Another run holds the service day."""


def day_lock(settings: Settings, day: date, wait_s: float = WAIT_S):
    """Hold the lock of a service day, waiting up to wait_s for another run to finish."""
    return named_lock(settings, f"day={day.isoformat()}", wait_s, f"service day {day}")


@contextmanager
def named_lock(settings: Settings, name: str, wait_s: float = WAIT_S, what: str | None = None):
    """Hold the lock `name` (a day, a file), waiting up to wait_s for its holder."""
    folder = settings.home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.lock"
    handle = open(path, "a+")
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise DayBusyError(
                        f"{what or name} is being processed by {holder}; waited {wait_s:.0f} s. "
                        "Let that run finish, or stop it, then run it again.") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()
