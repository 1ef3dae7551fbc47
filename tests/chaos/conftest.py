"""Fixtures of the chaos suite: one simulated day, and the marts of its undisturbed night."""

from datetime import date

import pytest

from tests.chaos import kit
from tests.conftest import fresh_lake, undisturbed_nights

DAY = date(2024, 4, 1)


@pytest.fixture(scope="session")
def day_logs(tmp_path_factory, registry):
    """(inbox copy, marts of the undisturbed night) of one simulated day."""
    logs, settings = undisturbed_nights(
        tmp_path_factory.mktemp("chaos-day"), registry, DAY, DAY, devices=1500, seed=9
    )
    return logs, kit.marts_bytes(settings)


@pytest.fixture
def fresh(tmp_path, day_logs):
    """A new lake with the day's logs in its inbox."""
    return fresh_lake(tmp_path, day_logs[0])
