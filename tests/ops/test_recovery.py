"""A lost or damaged catalog, a lost key: every command says so in one line, `footfall check
--repair` mends what the lake can vouch for, and the nights after end where undisturbed ones do
(issue 20, findings 3, 9 and 10)."""

import os
import shutil
from datetime import date, timedelta

import pytest

from pipeline.ops import nightly
from pipeline.sim.city import simulate
from tests.chaos import kit
from tests.conftest import make_settings

FIRST = date(2024, 4, 1)
DAYS = [FIRST + timedelta(days=n) for n in range(3)]
POLICY = {
    "FOOTFALL_KEY_GRACE_DAYS": "1",
    "FOOTFALL_RAW_RETENTION_DAYS": "1",
    "FOOTFALL_MAX_QUARANTINE_RATE": "1",
}  # a late file of a closed day: all quarantined
LATE = (
    "Apr {day:2d} 10:12:41 10.20.0.5 1 {epoch}.0 OITA-001-AP01 events type=association "
    "radio='1' vap='0' client_mac='{mac}' channel='36' reason='0' rssi='37'"
)


def _settings(root):
    return make_settings(root, **POLICY)


def _state(settings):
    """What the nights leave: marts, keys and tombstones, landed raw files."""
    return (
        kit.marts_bytes(settings),
        sorted(p.name for p in settings.keystore.iterdir()),
        sorted(p.name for p in settings.landing.iterdir()),
    )


@pytest.fixture(scope="module")
def three_days(tmp_path_factory, registry):
    """Logs of three days; the lake after two nights (to damage); the state after three."""
    root = tmp_path_factory.mktemp("three-days")
    settings = _settings(root / "reference")
    simulate(settings, registry, DAYS[0], DAYS[-1], devices=1500, seed=5)
    logs = root / "logs"
    shutil.copytree(settings.inbox, logs)
    shutil.rmtree(settings.inbox)  # day by day: each night receives its own day's logs
    for day in DAYS:
        settings.inbox.mkdir(parents=True, exist_ok=True)
        for path in logs.glob(f"*_{day:%Y%m%d}.*"):
            shutil.copy(path, settings.inbox / path.name)
        nightly.run(settings, day)
        if day == DAYS[1]:
            shutil.copytree(settings.home, root / "two" / "var", symlinks=True)
            shutil.copytree(settings.keystore, root / "two" / "keystore")
    return root, logs, _state(settings)


@pytest.fixture
def two_nights(tmp_path, three_days):
    """A copy of the lake after two nights, the third day's logs in its inbox."""
    root, logs, _ = three_days
    shutil.copytree(root / "two" / "var", tmp_path / "var", symlinks=True)
    shutil.copytree(root / "two" / "keystore", tmp_path / "keystore")
    settings = _settings(tmp_path)
    settings.inbox.mkdir(parents=True, exist_ok=True)
    for path in logs.glob(f"*_{DAYS[2]:%Y%m%d}.*"):
        shutil.copy(path, settings.inbox / path.name)
    return settings


def _zero(path):
    path.write_bytes(b"\0" * path.stat().st_size)


def _garbage(path):
    path.write_bytes(os.urandom(path.stat().st_size))


def _truncate(path):
    os.truncate(path, path.stat().st_size // 2)


DAMAGE = {"deleted": lambda path: path.unlink(), "zeroed": _zero, "garbage": _garbage, "truncated": _truncate}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_lost_or_damaged_catalog_stops_every_command_until_repair_rebuilds_it(
    two_nights, three_days, damage
):
    settings = two_nights
    DAMAGE[damage](settings.catalog)
    for command in (["nightly", "--day", DAYS[2]], ["kpi"], ["show", "visits", "--day", DAYS[1]]):
        error = kit.one_line_error(kit.footfall(settings, *command, **POLICY))
        assert "footfall check --repair" in error and "locked" not in error
    checked = kit.footfall(settings, "check", **POLICY)
    assert checked.returncode == 1 and "catalog:" in checked.stdout
    repaired = kit.footfall(settings, "check", "--repair", **POLICY)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "catalog: restored" in repaired.stdout and "NOT restored: provisions" in repaired.stdout
    night = kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY)
    assert night.returncode == 0, night.stderr
    assert " 0 events from 0 file(s)" not in night.stdout
    # retention destroyed the keys and purged the raw files the undisturbed nights did
    assert _state(settings) == three_days[2]


def test_a_catalog_whose_write_ahead_log_is_damaged_is_rebuilt(two_nights, three_days, tmp_path):
    """A night killed while it writes the catalog leaves a write-ahead log; damaged, it made every
    command end in a traceback."""
    settings = two_nights
    night = kit.footfall(
        settings, "nightly", "--day", DAYS[2], **POLICY, **kit.replace_killer(tmp_path / "killer", r"marts/")
    )
    assert kit.killed(night)
    wal = settings.home / "footfall.duckdb.wal"
    assert wal.exists()
    data = bytearray(wal.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = os.urandom(64)
    wal.write_bytes(bytes(data))
    error = kit.one_line_error(kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY))
    assert "write-ahead log" in error and "footfall check --repair" in error
    repaired = kit.footfall(settings, "check", "--repair", **POLICY)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    night = kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY)
    assert night.returncode == 0, night.stderr
    assert _state(settings) == three_days[2]


def test_a_catalog_that_lost_its_last_rows_is_noticed(two_nights, three_days, tmp_path):
    """Killed after landing and ingesting, then the write-ahead log deleted: the catalog forgot
    the night's files, which would have made "0 events from 0 file(s)"."""
    settings = two_nights
    night = kit.footfall(
        settings,
        "nightly",
        "--day",
        DAYS[2],
        **POLICY,
        **kit.replace_killer(tmp_path / "killer", r"curated/"),
    )
    assert kit.killed(night)
    (settings.home / "footfall.duckdb.wal").unlink()
    error = kit.one_line_error(kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY))
    assert "behind the lake" in error
    assert kit.footfall(settings, "check", "--repair", **POLICY).returncode == 0
    night = kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY)
    assert night.returncode == 0, night.stderr
    assert _state(settings) == three_days[2]


def _late_file(settings, day):
    """A late log of `day` with devices never seen before."""
    settings.inbox.mkdir(parents=True, exist_ok=True)
    epoch = 1711933961 + (day - FIRST).days * 86400  # 10:12 local time on the day
    lines = [LATE.format(day=day.day, epoch=epoch, mac=f"80:d6:05:aa:00:{n:02x}") for n in range(40)]
    (settings.inbox / f"meraki_late_{day:%Y%m%d}.log").write_text("\n".join(lines) + "\n")


def _counts(settings):
    """The marts of counts (the quality report also counts the quarantined records)."""
    return {p: data for p, data in kit.marts_bytes(settings).items() if p.parts[0] != "quality"}


def test_a_key_lost_without_its_tombstone_is_never_made_again(two_nights):
    """A kill between deleting a key and writing its tombstone (the old order) left a day with
    neither: a late file then made a fresh key and rebuilt the day with devices split in two."""
    settings = two_nights
    day = DAYS[0]
    (settings.keystore / f"{day}.destroyed").unlink()  # what that kill left
    assert not (settings.keystore / f"{day}.key").exists()
    counts = _counts(settings)
    _late_file(settings, day)
    error = kit.one_line_error(kit.footfall(settings, "nightly", "--day", day, **POLICY))
    assert "neither the key nor the tombstone" in error and "footfall check --repair" in error
    assert not (settings.keystore / f"{day}.key").exists()
    repaired = kit.footfall(settings, "check", "--repair", **POLICY)
    assert repaired.returncode == 0 and "closed 1 day(s)" in repaired.stdout
    night = kit.footfall(settings, "nightly", "--day", day, **POLICY)
    assert night.returncode == 0, night.stderr
    assert not (settings.keystore / f"{day}.key").exists()
    assert _counts(settings) == counts  # the late devices were quarantined, not counted
    assert kit.catalog_rows(
        settings, "select sum(records) from file_quarantine where reason = 'key_destroyed'"
    ) == [(40,)]


@pytest.mark.parametrize("point", ["key.tombstone", "key.overwrite", "key.unlink"])
def test_a_kill_at_any_step_of_key_destruction_never_lets_the_key_come_back(two_nights, point):
    settings = two_nights
    day = DAYS[1]  # built yesterday: its key goes in tonight's retention (grace 1 day)
    assert (settings.keystore / f"{day}.key").exists()
    night = kit.footfall(settings, "nightly", "--day", DAYS[2], **POLICY, FOOTFALL_FAULT=f"{point}@1")
    assert kit.killed(night)
    tombstone = (settings.keystore / f"{day}.destroyed").exists()
    assert tombstone or (settings.keystore / f"{day}.key").stat().st_size == 32
    _late_file(settings, day)
    for night_of in (DAYS[2], day):
        again = kit.footfall(settings, "nightly", "--day", night_of, **POLICY)
        assert again.returncode == 0, again.stderr
    assert (settings.keystore / f"{day}.destroyed").exists()
    assert not (settings.keystore / f"{day}.key").exists()
    assert kit.leftovers(settings) == []
    quarantined = kit.catalog_rows(
        settings, "select coalesce(sum(records), 0) from file_quarantine where reason = 'key_destroyed'"
    )
    # killed before the tombstone, the key was still the day's: the late file went in under it
    assert quarantined == ([(0,)] if point == "key.tombstone" else [(40,)])
