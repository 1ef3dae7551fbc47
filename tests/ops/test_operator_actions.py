"""What an operator does about a file the night refused, through the real `footfall` command on a
scratch lake: the quarantine gate holds the day back night after night, until the file is read
again under a fixed registry (`footfall reingest`) or accepted (`footfall accept`); and a wrong
log sources file is said at once, by its line."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline import lake
from pipeline.config import SAMPLE_REGISTRY
from pipeline.ingest import actions
from pipeline.ingest.reader import IngestError
from pipeline.ops import nightly, stages
from tests.conftest import make_settings

FOOTFALL = str(Path(sys.executable).with_name("footfall"))
DAY = "2024-04-01"
KNOWN = [f"80:d6:05:12:34:5{n}" for n in range(1, 4)]
STRAY = "80:d6:05:12:34:54"  # seen at an AP the registry does not know yet


def _log_lines(ap: str, mac: str, minute: int) -> list[str]:
    return [
        f"Apr  1 08:{minute:02d}:41 {ap} hostapd: phy0-ap0: AP-STA-CONNECTED {mac} auth_alg=open",
        f"Apr  1 08:{minute + 30:02d}:41 {ap} hostapd: phy0-ap0: AP-STA-DISCONNECTED {mac}",
    ]


@pytest.fixture
def scratch(tmp_path):
    """A lake, a log with 2 of its 8 client records at an unregistered AP (25 %, over the 10 %
    limit), and the registry with that AP added."""
    log = tmp_path / "site-20240401.log"
    lines = [line for n, mac in enumerate(KNOWN) for line in _log_lines("OITA-001-AP01", mac, n)]
    log.write_text("\n".join(lines + _log_lines("WifiAP-77", STRAY, 5)) + "\n")
    rows = Path(SAMPLE_REGISTRY).read_text(encoding="utf-8-sig").splitlines()
    added = rows[1].split(",")[:-3] + ["OITA-001-77", "WifiAP-77", "0c:8d:db:a0:8c:77"]
    (tmp_path / "fixed.csv").write_text("\n".join([*rows, ",".join(added)]) + "\n", encoding="utf-8")
    return tmp_path, log, make_settings(tmp_path)


def footfall(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")},
        "FOOTFALL_HOME": str(root / "var"),
        "FOOTFALL_KEYSTORE": str(root / "keystore"),
        **env,
    }
    return subprocess.run([FOOTFALL, *args], env=environ, capture_output=True, text=True, timeout=300)


def _catalog(settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.catalog), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _staged_events(settings) -> int:
    files = lake.day_files(settings.events, date.fromisoformat(DAY))
    return duckdb.sql("select count(*) from read_parquet(?)", params=[files]).fetchall()[0][0]


def test_a_file_over_the_limit_fails_every_night_until_read_again_under_a_fixed_registry(scratch):
    root, log, settings = scratch
    first = footfall(root, "ingest", str(log), "--day", DAY)
    assert first.returncode == 1 and "25%" in first.stderr and "footfall reingest" in first.stderr
    (file_id,) = [row[0] for row in _catalog(settings, "select file_id from files")]
    for _ in range(2):  # the night fails loudly, again and again: no marts built with the file
        night = footfall(root, "nightly", "--day", DAY)
        assert night.returncode == 1, night.stdout + night.stderr
        assert f"({file_id}): 25% of its client records quarantined (unknown_ap=2)" in night.stderr
        assert "limit of 10%" in night.stderr and f"footfall reingest {file_id}" in night.stderr
        assert not lake.day_files(settings.marts / "footfall_daily", date.fromisoformat(DAY))
    # the Airflow task of the night's movement fails the same way (a bad input: no retry)
    with pytest.raises(IngestError, match="over the quarantine limit") as error:
        nightly.stage(settings, "movement", date.fromisoformat(DAY))
    assert isinstance(error.value, stages.BAD_INPUT)

    assert footfall(root, "registry", "load", str(root / "fixed.csv"), "--effective", DAY).returncode == 0
    settings.inbox.mkdir(parents=True, exist_ok=True)
    (settings.inbox / log.name).write_bytes(log.read_bytes())  # landing it again says what to do
    night = footfall(root, "nightly", "--day", DAY)
    assert night.returncode == 1 and f"landed before as {file_id}" in night.stderr
    assert f"`footfall reingest {file_id}`" in night.stderr

    for _ in range(2):  # reading it again replaces what it staged: never twice
        again = footfall(root, "reingest", file_id, "--by", "ops-test")
        assert again.returncode == 0, again.stderr
        assert f"read again {file_id}: 8 events, 0 quarantined" in again.stdout
        assert f"now run: footfall nightly --day {DAY}" in again.stdout
        night = footfall(root, "nightly", "--day", DAY)
        assert night.returncode == 0, night.stderr
        assert "8 events from 1 file(s), 0 quarantined" in night.stdout and "4 visits" in night.stdout
        assert _staged_events(settings) == 8
    assert not (settings.quarantine / f"{file_id}.parquet").exists()
    assert _catalog(settings, "select * from file_quarantine") == []
    assert (
        _catalog(settings, "select file_id, action, acted_by from file_actions")
        == [(file_id, "reingest", "ops-test")] * 2
    )
    by_day = footfall(root, "reingest", "--day", DAY)
    assert by_day.returncode == 0 and f"read again {file_id}: 8 events" in by_day.stdout


def test_a_file_over_the_limit_accepted_with_a_reason_lets_its_night_build(scratch):
    root, log, settings = scratch
    assert footfall(root, "ingest", str(log), "--day", DAY).returncode == 1
    (file_id,) = [row[0] for row in _catalog(settings, "select file_id from files")]
    assert footfall(root, "nightly", "--day", DAY).returncode == 1
    unsaid = footfall(root, "accept", file_id, "--reason", " ")
    assert unsaid.returncode == 1 and "say why" in unsaid.stderr
    accepted = footfall(root, "accept", file_id, "--reason", "WifiAP-77 is a test AP", "--by", "sato")
    assert accepted.returncode == 0 and "25.0%" in accepted.stdout
    night = footfall(root, "nightly", "--day", DAY)
    assert night.returncode == 0, night.stderr
    assert "6 events from 1 file(s), 2 quarantined" in night.stdout
    assert lake.day_files(settings.marts / "footfall_daily", date.fromisoformat(DAY))
    ((action, by, reason, figures),) = _catalog(
        settings, "select action, acted_by, reason, figures from file_actions"
    )
    assert (action, by, reason) == ("accept", "sato", "WifiAP-77 is a test AP")
    assert '"limit": 0.1' in figures and '"rate": 0.25' in figures
    # a stricter limit later does not undo it; a worse share would not pass (the share accepted)
    assert (
        actions.over_limit(make_settings(root, FOOTFALL_MAX_QUARANTINE_RATE="0.05"), date(2024, 4, 1)) == []
    )


def test_a_wrong_zone_in_the_sources_file_is_said_by_its_line_before_any_file_is_read(scratch):
    root, log, settings = scratch
    sources = root / "sources.csv"
    sources.write_text("source,tz,ap\nowrt-01,UTC,\nwlc-01,Asia/Tokio,\n")
    for args in (["ingest", str(log), "--day", DAY], ["parse", str(log), "--registry", SAMPLE_REGISTRY]):
        done = footfall(root, *args, FOOTFALL_SOURCES=str(sources))
        assert done.returncode == 1, done.stderr
        assert (
            f"{sources} (FOOTFALL_SOURCES), line 3: tz 'Asia/Tokio' is not an IANA time zone" in done.stderr
        )
        assert "Traceback" not in done.stderr and "Not implemented" not in done.stderr
    assert _catalog(settings, "select count(*) from files where error is not null") == [(0,)]


def test_a_file_no_format_recognised_is_read_again_as_the_format_named(scratch):
    root, _, settings = scratch
    # a RADIUS detail record whose Acct-Status-Type comes after the 20 lines detection reads
    padding = [f'\tVendor-Attribute-{n} = "x"' for n in range(25)]
    record = [
        "Mon Apr  1 08:12:41 2024",
        *padding,
        "\tAcct-Status-Type = Start",
        '\tCalling-Station-Id = "80-D6-05-12-34-56"',
        '\tCalled-Station-Id = "0C-8D-DB-A0-8C-03:OITA_CITY_FREE_Wi-Fi"',
        '\tAcct-Session-Id = "S1"',
        "\tNAS-IP-Address = 10.20.0.1",
        "",
    ]
    detail = root / "detail-20240401"
    detail.write_text("\n".join(record) + "\n")
    refused = footfall(root, "ingest", str(detail), "--day", DAY)
    assert refused.returncode == 1 and "no supported log format recognised" in refused.stderr
    wrong = footfall(root, "reingest", str(detail), "--format", "nonsense")
    assert wrong.returncode == 1 and "unknown format 'nonsense'" in wrong.stderr
    again = footfall(root, "reingest", str(detail), "--format", "radius_detail")  # named by its content
    assert again.returncode == 0, again.stderr
    assert "1 events, 0 quarantined" in again.stdout
    assert _catalog(settings, "select format, forced_format, error from files") == [
        ("radius_detail", "radius_detail", None)
    ]
