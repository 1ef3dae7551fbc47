"""Nights of different days at once, or in either order, end with the same bytes as nights run one
after the other; any number of them land one inbox at once (issue 20 finding 4, issue 19 item 3)."""

import subprocess
import sys
from datetime import date, timedelta

import pytest

from pipeline.ops import nightly
from tests.chaos import kit
from tests.conftest import fresh_lake, undisturbed_nights

DAY = date(2024, 4, 1)
NEXT = DAY + timedelta(days=1)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory, registry):
    """The logs of two days in one inbox, and the marts after their nights in day order (marts:
    another lake has other keys, so other pseudonyms in its events, visits and trips)."""
    logs, settings = undisturbed_nights(
        tmp_path_factory.mktemp("two-days"), registry, DAY, NEXT, devices=1500, seed=3
    )
    return logs, kit.marts_bytes(settings)


def test_the_later_day_first_ends_with_the_same_bytes(tmp_path, two_days):
    """Built first, the later day lacked the earlier one in its AP health history and was never
    rebuilt; now it is rebuilt after the earlier day's night."""
    logs, reference = two_days
    settings = fresh_lake(tmp_path, logs)
    nightly.run(settings, NEXT)
    nightly.run(settings, DAY)
    assert kit.marts_bytes(settings) == reference


@pytest.mark.parametrize("first", [DAY, NEXT])
def test_two_nights_at_once_end_with_the_same_bytes(tmp_path, two_days, first):
    logs, reference = two_days
    settings = fresh_lake(tmp_path, logs)
    other = NEXT if first == DAY else DAY
    nights = [kit.start(settings, "nightly", "--day", day) for day in (first, other)]
    for night in nights:
        out, err = night.communicate(timeout=600)
        assert night.returncode == 0, err
    assert kit.marts_bytes(settings) == reference
    assert kit.leftovers(settings) == []


STAGE_BY_STAGE = """
import sys
from datetime import date
from pipeline.ops import nightly
from pipeline.config import load_settings
settings, day = load_settings(), date.fromisoformat(sys.argv[1])
for name in ("land", "ingest", "movement", "marts", "quality", "retention"):
    nightly.stage(settings, name, day)
"""


@pytest.mark.parametrize("first", [DAY, NEXT])
def test_two_nights_at_once_stage_by_stage_as_airflow_runs_them(tmp_path, two_days, first):
    """Airflow's tasks hold a day's lock per stage, not for the night: the nights interleave."""
    logs, reference = two_days
    settings = fresh_lake(tmp_path, logs)
    days = [first, NEXT if first == DAY else DAY]
    nights = [
        subprocess.Popen(
            [sys.executable, "-c", STAGE_BY_STAGE, str(day)],
            env=kit.env(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for day in days
    ]
    for night in nights:
        out, err = night.communicate(timeout=600)
        assert night.returncode == 0, err
    assert kit.marts_bytes(settings) == reference


LAND = """
import sys, time
from datetime import date
from pathlib import Path
from pipeline.ops import stages
from pipeline.config import load_settings
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
print(stages.land(load_settings(), date.fromisoformat(sys.argv[1])).landed)
"""


def test_nights_of_different_days_land_one_inbox_at_once(tmp_path, settings):
    """A second night moving the inbox files the first was hashing gave FileNotFoundError."""
    settings.inbox.mkdir(parents=True)
    for n in range(40):
        (settings.inbox / f"meraki_{n:02d}_20240401.log").write_bytes(bytes([n]) * 200_000)
    go = tmp_path / "go"
    landers = [
        subprocess.Popen(
            [sys.executable, "-c", LAND, str(DAY + timedelta(days=k)), str(go)],
            env=kit.env(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(3)
    ]
    go.touch()
    landed = []
    for lander in landers:
        out, err = lander.communicate(timeout=300)
        assert lander.returncode == 0, err
        landed.append(int(out.split()[-1]))
    assert sum(landed) == 40
    assert list(settings.inbox.iterdir()) == []
    assert kit.catalog_rows(settings, "select count(*) from files") == [(40,)]
    assert sorted(len(list(p.iterdir())) for p in settings.landing.iterdir()) == [1] * 40
    assert kit.leftovers(settings) == []
