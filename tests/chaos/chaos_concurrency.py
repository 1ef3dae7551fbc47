"""Pairs of nights of different days (next days, a week apart, the same weekday) at once and in
either order, on the CLI path and stage by stage as Airflow runs them: the marts are those of
nights run one after the other."""

import shutil
import subprocess
import sys
from datetime import date, timedelta

import pytest

from pipeline import stages
from pipeline.simulate import simulate
from tests.chaos import kit
from tests.conftest import make_settings
from tests.test_concurrency import STAGE_BY_STAGE

FIRST = date(2024, 4, 1)
DAYS = [FIRST + timedelta(days=n) for n in range(9)]
PAIRS = [(0, 1), (1, 2), (0, 7), (3, 4), (5, 6)]


@pytest.fixture(scope="module")
def nine_days(tmp_path_factory, registry):
    root = tmp_path_factory.mktemp("nine-days")
    settings = make_settings(root)
    simulate(settings, registry, DAYS[0], DAYS[-1], devices=1200, seed=4)
    logs = root / "logs"
    shutil.copytree(settings.inbox, logs)
    return logs


def _lake(tmp_path, logs, upto: int):
    """A lake whose nights ran in order up to DAYS[upto - 1], the later logs in the inbox."""
    settings = make_settings(tmp_path)
    shutil.copytree(logs, settings.inbox)
    for day in DAYS[:upto]:
        stages.nightly(settings, day)
    return settings


def _pair(settings, a, b, how: str):
    if how == "reverse":
        stages.nightly(settings, b)
        stages.nightly(settings, a)
        return
    if how == "cli":
        runs = [kit.start(settings, "nightly", "--day", day) for day in (b, a)]
    else:
        runs = [subprocess.Popen([sys.executable, "-c", STAGE_BY_STAGE, str(day)], env=kit.env(settings),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for day in (b, a)]
    for run in runs:
        _, err = run.communicate(timeout=900)
        assert run.returncode == 0, err


@pytest.mark.parametrize("how", ["reverse", "cli", "airflow"])
@pytest.mark.parametrize("pair", PAIRS)
def test_a_pair_of_nights_ends_as_nights_in_order(tmp_path, nine_days, pair, how):
    a, b = pair
    reference = _lake(tmp_path / "reference", nine_days, 0)
    for day in sorted({DAYS[n] for n in range(a)} | {DAYS[a], DAYS[b]}):
        stages.nightly(reference, day)
    settings = _lake(tmp_path / "pair", nine_days, a)
    _pair(settings, DAYS[a], DAYS[b], how)
    assert kit.marts_bytes(settings) == kit.marts_bytes(reference)
    assert kit.leftovers(settings) == []
