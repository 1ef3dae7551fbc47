"""Fixtures of the chaos suite: one simulated day, and the marts of its undisturbed night."""

import shutil
from datetime import date

import pytest

from pipeline.ops import stages
from pipeline.sim.city import simulate
from tests.conftest import make_settings

DAY = date(2024, 4, 1)


@pytest.fixture(scope="session")
def day_logs(tmp_path_factory, registry):
    """(inbox copy, marts of the undisturbed night) of one simulated day."""
    root = tmp_path_factory.mktemp("chaos-day")
    settings = make_settings(root)
    simulate(settings, registry, DAY, DAY, devices=1500, seed=9)
    logs = root / "logs"
    shutil.copytree(settings.inbox, logs)
    stages.nightly(settings, DAY)
    return logs, {p.relative_to(settings.marts): p.read_bytes()
                  for p in settings.marts.rglob("*.parquet")}


@pytest.fixture
def fresh(tmp_path, day_logs):
    """A new lake with the day's logs in its inbox."""
    settings = make_settings(tmp_path)
    shutil.copytree(day_logs[0], settings.inbox)
    return settings
