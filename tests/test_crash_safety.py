"""A night killed (SIGKILL) at many points: the next run ends exactly where an undisturbed one does."""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline import stages
from pipeline.simulate import simulate
from tests.conftest import make_settings

DAY = date(2024, 4, 1)
KILL_AFTER_S = (0.5, 1.5, 2.5, 3.5, 5.0)


@pytest.fixture(scope="module")
def template(tmp_path_factory, registry):
    """Simulated logs of one day, and the marts of an undisturbed night over them."""
    root = tmp_path_factory.mktemp("template")
    settings = make_settings(root)
    simulate(settings, registry, DAY, DAY, devices=3000, seed=2)
    inbox = root / "inbox-copy"
    shutil.copytree(settings.inbox, inbox)
    stages.nightly(settings, DAY)
    return inbox, _marts(settings)


def _marts(settings):
    return {p.relative_to(settings.marts): p.read_bytes() for p in settings.marts.rglob("*.parquet")}


@pytest.mark.parametrize("after", KILL_AFTER_S)
def test_a_killed_night_is_completed_by_the_next_run(tmp_path, template, after):
    inbox, reference = template
    settings = make_settings(tmp_path)
    shutil.copytree(inbox, settings.inbox)
    env = {**os.environ, "FOOTFALL_HOME": str(settings.home), "FOOTFALL_KEYSTORE": str(settings.keystore)}
    night = subprocess.Popen([str(Path(sys.executable).with_name("footfall")), "nightly", "--day",
                              str(DAY)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    night.send_signal(signal.SIGKILL)
    night.wait()
    stages.nightly(settings, DAY)  # a temp file younger than an hour is a live writer's: kept
    assert _marts(settings) == reference
