"""A night killed (SIGKILL) at every rename and every step of key destruction, one by one, and at
random moments: the next night ends exactly where an undisturbed one does, no temp file is left,
`footfall check` finds nothing, and no destroyed key comes back."""

import random
import shutil
import signal
import time

from tests.chaos import kit
from tests.chaos.conftest import DAY
from tests.conftest import make_settings

MAX_POINTS = 400


def _recovered(settings, reference, **extra) -> list[str]:
    problems = []
    again = kit.footfall(settings, "nightly", "--day", DAY, **extra)
    if again.returncode != 0:
        return [f"the next night failed: {again.stderr.strip()[-300:]}"]
    if kit.marts_bytes(settings) != reference:
        problems.append("marts differ from an undisturbed night's")
    checked = kit.footfall(settings, "check")
    if checked.returncode != 0:
        problems.append(f"check: {checked.stdout.strip()[-300:]}")
    if kit.leftovers(settings):
        problems.append(f"leftovers: {kit.leftovers(settings)}")
    back = [p.name for p in settings.keystore.glob("*.destroyed") if p.with_suffix(".key").exists()]
    if back:
        problems.append(f"destroyed keys came back: {back}")
    return problems


def _walk(tmp_path, day_logs, point: str, **extra) -> tuple[int, dict]:
    """Kill the night at the n-th `point`, n = 1, 2 ... until it runs through; the failures."""
    logs, reference = day_logs
    failures = {}
    for n in range(1, MAX_POINTS):
        settings = make_settings(tmp_path / f"{point}-{n}")
        shutil.copytree(logs, settings.inbox)
        night = kit.footfall(settings, "nightly", "--day", DAY, FOOTFALL_FAULT=f"{point}@{n}", **extra)
        if not kit.killed(night):
            assert night.returncode == 0, night.stderr
            return n - 1, failures
        problems = _recovered(settings, reference, **extra)
        if problems:
            failures[n] = problems
        shutil.rmtree(tmp_path / f"{point}-{n}")
    raise AssertionError(f"more than {MAX_POINTS} {point} points in a night")


def test_a_kill_just_before_each_rename_of_a_night(tmp_path, day_logs):
    points, failures = _walk(tmp_path, day_logs, "rename")
    print(f"{points} renames in a night, each killed once")
    assert points > 30 and failures == {}


def test_a_kill_at_each_step_of_key_destruction(tmp_path, day_logs):
    points, failures = _walk(tmp_path, day_logs, "key", FOOTFALL_KEY_GRACE_DAYS=0)
    print(f"{points} key steps in a night, each killed once")
    assert points == 3 and failures == {}


def test_kills_at_random_moments(fresh, day_logs, tmp_path):
    """SIGKILLs at random moments of the same night, one after another on one lake."""
    rng = random.Random(20)
    settings = fresh
    for _ in range(12):
        night = kit.start(settings, "nightly", "--day", DAY)
        time.sleep(rng.uniform(0.2, 4.0))
        night.send_signal(signal.SIGKILL)
        night.communicate()
    assert _recovered(settings, day_logs[1]) == []
