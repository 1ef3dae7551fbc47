"""Two runs of one day take turns; runs of different days do not wait for each other."""

import multiprocessing
import os
import time
from datetime import date

import pytest

from pipeline import lake
from pipeline.locks import DayBusyError, day_lock

DAY = date(2024, 4, 1)


def _hold(home, keystore, day, seconds, ready):
    from tests.conftest import make_settings  # noqa: F401  (a fresh process)
    from pipeline.config import load_settings

    settings = load_settings({"FOOTFALL_HOME": home, "FOOTFALL_KEYSTORE": keystore})
    with day_lock(settings, day):
        ready.set()
        time.sleep(seconds)


def _holder(settings, day, seconds):
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_hold, args=(str(settings.home), str(settings.keystore),
                                                          day, seconds, ready))
    process.start()
    assert ready.wait(30)
    return process


def test_a_second_run_of_the_same_day_waits_then_says_who_holds_it(settings):
    process = _holder(settings, DAY, 3)
    try:
        with pytest.raises(DayBusyError, match=r"service day 2024-04-01 is being processed by pid"):
            with day_lock(settings, DAY, wait_s=0.5):
                pass
        started = time.monotonic()
        with day_lock(settings, DAY, wait_s=30):  # it waits for the first run to end
            assert time.monotonic() - started > 1
    finally:
        process.join()


def test_different_days_run_in_parallel(settings):
    process = _holder(settings, DAY, 3)
    try:
        started = time.monotonic()
        with day_lock(settings, date(2024, 4, 2), wait_s=0.5):
            assert time.monotonic() - started < 1
    finally:
        process.join()


def test_a_killed_run_leaves_no_stale_lock(settings):
    process = _holder(settings, DAY, 60)
    os.kill(process.pid, 9)
    process.join()
    with day_lock(settings, DAY, wait_s=2):
        pass


def test_orphaned_temp_files_of_a_killed_writer_are_removed(settings):
    orphan = settings.marts / "footfall_daily" / ".tmp-dead-day=2024-04-01"
    orphan.mkdir(parents=True)
    fresh = settings.marts / ".tmp-live-part.parquet"
    fresh.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    assert lake.remove_orphans(settings.home) == [orphan]
    assert fresh.exists() and not orphan.exists()
