"""Fixtures build a tiny lake in tmp_path with the real components: DuckDB files, Parquet, keys."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline import stages
from pipeline.calendar import FiscalQuarter
from pipeline.config import load_settings
from pipeline.publish import publish
from pipeline.registry import load_registry
from pipeline.simulate import simulate

E2E_FIRST = date(2024, 4, 1)
E2E_DAYS = 7
E2E_DEVICES = 5000
ARTIFACTS = Path(__file__).parent / "artifacts"


def make_settings(root: Path, **env):
    return load_settings({"FOOTFALL_HOME": str(root / "var"),
                          "FOOTFALL_KEYSTORE": str(root / "keystore"), **env})


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def registry():
    return load_registry(load_settings({}).registry)


@pytest.fixture(scope="session")
def simulated_quarter(tmp_path_factory, registry):
    """A week of the sample city simulated, every night run, and the quarter published.

    Returns (settings, release, raw MACs seen in the simulated logs)."""
    root = tmp_path_factory.mktemp("e2e")
    settings = make_settings(root)
    last = E2E_FIRST + timedelta(days=E2E_DAYS - 1)
    result = simulate(settings, registry, E2E_FIRST, last, devices=E2E_DEVICES, seed=11)
    raw_macs = set()
    for path in result.files:
        for line in path.read_text().splitlines():
            raw_macs.add(line.split("client_mac='")[1][:17])
    day = E2E_FIRST
    while day <= last:
        stages.nightly(settings, day)
        day += timedelta(days=1)
    release = publish(settings, FiscalQuarter.of(E2E_FIRST))
    return settings, release, raw_macs
