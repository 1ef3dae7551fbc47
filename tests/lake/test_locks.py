"""Two runs of one day take turns; runs of different days do not wait for each other; what a killed
run leaves is cleared by the next."""

import multiprocessing
import os
import time
from datetime import date

import pytest

from pipeline.lake import sweep
from pipeline.lake.locks import DayBusyError, day_lock
from tests.conftest import ended_process_owner

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
    process = multiprocessing.Process(
        target=_hold, args=(str(settings.home), str(settings.keystore), day, seconds, ready)
    )
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


def test_the_sweep_clears_a_dead_writers_leftovers_at_once_and_leaves_a_live_ones(settings):
    dead = ended_process_owner()
    marts = settings.marts / "footfall_daily"
    folder = marts / f".tmp-{dead}-00000001-day=2024-04-01.partial"  # a partition built aside
    folder.mkdir(parents=True)
    (folder / "part.parquet").write_bytes(b"PAR1")
    live = marts / f".tmp-{sweep.owner()}-00000002-day=2024-04-02.partial"
    live.mkdir()
    old = marts / f".old-{dead}-00000003-day=2024-04-03"  # a swap cut in half: put back
    old.mkdir()
    other_host = marts / ".tmp-00000000.1.1-00000004-part.parquet.partial"
    other_host.write_bytes(b"x")
    legacy = marts / ".tmp-0123456789abcdef0123456789abcdef-part.parquet"  # an older version's
    legacy.write_bytes(b"x")
    done = sweep.sweep(settings.home)
    assert not folder.exists() and live.exists() and other_host.exists() and legacy.exists()
    assert not old.exists() and (marts / "day=2024-04-03").is_dir()
    assert len(done) == 2
    stale = time.time() - 2 * sweep.LEGACY_AGE_S
    os.utime(legacy, (stale, stale))
    sweep.sweep(settings.home)
    assert not legacy.exists()


def test_a_claimed_inbox_file_of_a_dead_night_goes_back_to_the_inbox(settings):
    settings.inbox.mkdir(parents=True)
    claimed = settings.inbox / f".claim-{ended_process_owner()}-0000000a-meraki_20240401.log"
    claimed.write_text("x")
    sweep.sweep(settings.home)
    assert (settings.inbox / "meraki_20240401.log").read_text() == "x"
