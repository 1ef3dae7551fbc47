"""The catalog deleted, zeroed, overwritten, truncated at many lengths, its write-ahead log
damaged or deleted after a killed night: every command says so in one line (never a traceback,
never "locked"), `footfall check --repair` rebuilds it, and the nights after end where undisturbed
ones do (retention included)."""

import os
import shutil

import pytest

from tests.chaos import kit
from tests.ops.test_recovery import DAYS, POLICY, _state, three_days, two_nights  # noqa: F401

COMMANDS = (
    ["nightly", "--day", DAYS[2]],
    ["kpi"],
    ["show", "trips", "--day", DAYS[1]],
    ["registry", "show"],
    ["publish", "--quarter", "FY2024Q1"],
    ["provide", "--release", "FY2024Q1", "--to", "観光課"],
)


def _damage(kind: str, path):
    size = path.stat().st_size
    if kind == "deleted":
        path.unlink()
    elif kind == "zeroed":
        path.write_bytes(b"\0" * size)
    elif kind == "garbage":
        path.write_bytes(os.urandom(size))
    else:  # truncated to a share of its length
        os.truncate(path, int(size * float(kind)))


@pytest.mark.parametrize(
    "kind", ["deleted", "zeroed", "garbage", "0.0", "0.1", "0.3", "0.5", "0.7", "0.9", "0.99"]
)
def test_catalog_damage_is_reported_by_every_command_and_repaired(two_nights, three_days, kind):  # noqa: F811
    settings = two_nights
    _damage(kind, settings.catalog)
    for command in COMMANDS:
        result = kit.footfall(settings, *command, **POLICY)
        if result.returncode == 0:  # a truncation that left every row DuckDB reads intact
            continue
        error = kit.one_line_error(result)
        assert "footfall check --repair" in error and "locked" not in error, error
    repaired = kit.footfall(settings, "check", "--repair", **POLICY)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    night = kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY)
    assert night.returncode == 0, night.stderr
    assert _state(settings) == three_days[2]


@pytest.mark.parametrize("what", ["damaged", "deleted"])
@pytest.mark.parametrize("stage", ["staged/", "curated/", "marts/"])
def test_a_killed_nights_write_ahead_log_damaged_or_deleted(
    two_nights,  # noqa: F811  (a fixture of tests/ops/test_recovery.py)
    three_days,  # noqa: F811
    tmp_path,
    what,
    stage,
):
    settings = two_nights
    night = kit.footfall(
        settings, "nightly", "--day", DAYS[2], **POLICY, **kit.replace_killer(tmp_path / "killer", stage)
    )
    assert kit.killed(night)
    wal = settings.home / "footfall.duckdb.wal"
    if wal.exists() and what == "deleted":
        wal.unlink()
    elif wal.exists():
        data = bytearray(wal.read_bytes())
        data[len(data) // 3 : len(data) // 3 + 32] = os.urandom(32)
        wal.write_bytes(bytes(data))
    result = kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY)
    if result.returncode != 0:
        assert "footfall check --repair" in kit.one_line_error(result)
        assert kit.footfall(settings, "check", "--repair", **POLICY).returncode == 0
        result = kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY)
    assert result.returncode == 0, result.stderr
    assert " 0 events from 0 file(s)" not in result.stdout
    assert _state(settings) == three_days[2]
    shutil.rmtree(tmp_path / "killer")
