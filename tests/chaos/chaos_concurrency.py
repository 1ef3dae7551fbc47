"""Pairs of nights of different days (next days, a week apart, the same weekday) at once and in
either order, on the CLI path and stage by stage as Airflow runs them: the marts are those of
nights run one after the other."""

import shutil
import subprocess
import sys
from datetime import date, timedelta

import pytest

from pipeline.ops import nightly
from pipeline.sim.city import simulate
from tests.chaos import kit
from tests.conftest import make_settings
from tests.ops.test_concurrency import STAGE_BY_STAGE

FIRST = date(2024, 4, 1)
DAYS = [FIRST + timedelta(days=n) for n in range(9)]
PAIRS = [(0, 1), (1, 2), (0, 7), (3, 4), (5, 6)]
# A night purges the staged events of days `staged retention` before it (pipeline time): a week
# apart, the later night would close the earlier day before it runs. Eight days keep both open.
POLICY = {"FOOTFALL_STAGED_RETENTION_DAYS": "8"}


@pytest.fixture(scope="module")
def nine_days(tmp_path_factory, registry):
    root = tmp_path_factory.mktemp("nine-days")
    settings = make_settings(root)
    simulate(settings, registry, DAYS[0], DAYS[-1], devices=1200, seed=4)
    logs = root / "logs"
    shutil.copytree(settings.inbox, logs)
    return logs


@pytest.fixture(scope="module")
def before_pair(tmp_path_factory, nine_days):
    """Per pair (a, b): a lake whose nights ran in order up to the day before a, and the marts
    of the nights in order through a and then b."""
    made = {}

    def get(a: int, b: int):
        if (a, b) not in made:
            root = tmp_path_factory.mktemp(f"pair-{a}-{b}")
            settings = make_settings(root / "before", **POLICY)
            shutil.copytree(nine_days, settings.inbox)
            for day in DAYS[:a]:
                nightly.run(settings, day)
            shutil.copytree(root / "before", root / "reference")
            reference = make_settings(root / "reference", **POLICY)
            for day in (DAYS[a], DAYS[b]):
                nightly.run(reference, day)
            made[(a, b)] = root / "before", kit.marts_bytes(reference)
        # the same logs wait in both inboxes: the first night after lands them all
        return made[(a, b)]

    return get


def _pair(settings, a, b, how: str):
    if how == "reverse":
        nightly.run(settings, b)
        nightly.run(settings, a)
        return
    if how == "cli":
        runs = [kit.start(settings, "nightly", "--day", day, **POLICY) for day in (b, a)]
    else:
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", STAGE_BY_STAGE, str(day)],
                env=kit.env(settings, **POLICY),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for day in (b, a)
        ]
    for run in runs:
        _, err = run.communicate(timeout=900)
        assert run.returncode == 0, err


@pytest.mark.parametrize("how", ["reverse", "cli", "airflow"])
@pytest.mark.parametrize("pair", PAIRS)
def test_a_pair_of_nights_ends_as_nights_in_order(tmp_path, before_pair, pair, how):
    before, reference = before_pair(*pair)
    shutil.copytree(before / "var", tmp_path / "var", symlinks=True)
    if (before / "keystore").exists():
        shutil.copytree(before / "keystore", tmp_path / "keystore")
    settings = make_settings(tmp_path, **POLICY)
    _pair(settings, DAYS[pair[0]], DAYS[pair[1]], how)
    assert kit.marts_bytes(settings) == reference
    assert kit.leftovers(settings) == []
