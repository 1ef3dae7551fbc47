"""The opt-out: a device denylist by MAC, stored only as keyed hashes, applied at ingestion so that
an opted-out device is never staged, quarantined or counted as a device (a number only)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.ingest import optout, pseudonym
from pipeline.ingest import run
from tests.conftest import texts_of

DAY = date(2024, 4, 1)
OPTED = "80d605c0ffee"
OTHER = "80d605123456"


def spellings(mac: str) -> list[str]:
    pairs = [mac[i : i + 2] for i in range(0, 12, 2)]
    return [":".join(pairs), "-".join(pairs).upper(), f"{mac[:4]}.{mac[4:8]}.{mac[8:]}"]


def footfall(settings, *args, stdin: str = "") -> subprocess.CompletedProcess:
    env = {
        "FOOTFALL_HOME": str(settings.home),
        "FOOTFALL_KEYSTORE": str(settings.keystore),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("footfall")), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def hostapd_lines(mac_texts: list[str]) -> list[str]:
    return [
        f"Apr  1 10:{n:02d}:00 OITA-001-AP01 hostapd: wlan0: AP-STA-CONNECTED {mac}"
        for n, mac in enumerate(mac_texts)
    ]


def test_an_opted_out_device_is_never_staged_and_only_counted(settings, parse):
    done = footfall(settings, "optout", "add", stdin=f"{spellings(OPTED)[0]}\n{spellings(OPTED)[2]}\n")
    assert done.returncode == 0, done.stderr
    assert "1 device(s) added" in done.stdout and OPTED not in done.stdout.replace(":", "")
    out = parse(hostapd_lines(spellings(OPTED) + spellings(OTHER)), name="a-20240401.log", hint=DAY)
    key = pseudonym.day_key(settings.keystore, DAY)
    devices = {e["device"] for e in out.events}
    assert devices == {pseudonym.pseudonym(key, int(OTHER, 16))}
    assert out.result.opted_out == 3 and not out.quarantine
    assert out.result.devices_by_day[DAY][0] == 1  # the opted-out device is not a device of the day
    run._record(settings, out.result)
    con = duckdb.connect(str(settings.catalog), read_only=True)
    assert con.execute("select opted_out from files").fetchall() == [(3,)]
    (stored,) = con.execute("select hash from optout").fetchall()[0]
    con.close()
    assert stored != int(OPTED, 16) and stored != pseudonym.pseudonym(key, int(OPTED, 16))
    for path in [settings.catalog, *settings.home.rglob("*.parquet")]:  # no MAC in any spelling
        for text in texts_of(path):
            assert OPTED.encode() not in re.sub(rb"[:\-.]", b"", text.lower())
    assert footfall(settings, "optout", "count").stdout.startswith("1 device(s)")


def test_a_denylist_without_its_key_stops_ingestion(settings, parse):
    optout.add(settings, [int(OPTED, 16)])
    (settings.keystore / optout.KEY_NAME).unlink()
    with pytest.raises(optout.OptOutKeyError, match="restore it from the keystore backup"):
        parse(hostapd_lines(spellings(OTHER)), name="b-20240401.log", hint=DAY)
    path = settings.home / "c-20240401.log"
    path.write_text("\n".join(hostapd_lines(spellings(OTHER))) + "\n")
    done = footfall(settings, "ingest", str(path), "--day", str(DAY))
    assert done.returncode == 1 and "opt-out key" in done.stderr


def test_a_bad_mac_is_a_usage_error_that_does_not_repeat_it(settings):
    done = footfall(settings, "optout", "add", "80:d6:05:c0:ff:zz")
    assert done.returncode == 2 and "zz" not in done.stderr


def test_nobody_opted_out_costs_nothing_and_stages_everyone(settings, parse):
    out = parse(hostapd_lines(spellings(OPTED)), name="d-20240401.log", hint=DAY)
    assert len(out.events) == 3 and out.result.opted_out == 0
    assert not (settings.keystore / optout.KEY_NAME).exists()
    assert pq.read_schema(next(settings.events.rglob("*.parquet"))).names[-2:] == ["file_id", "record"]


def test_the_denylist_outlives_a_lost_catalog(settings, parse):
    """A catalog rebuilt by `footfall check --repair` starts empty: the opted-out devices must not
    be counted again. The keyed hashes are kept beside their key (keystore/optout.list) too."""
    assert footfall(settings, "optout", "add", stdin=f"{spellings(OPTED)[0]}\n").returncode == 0
    listed = (settings.keystore / "optout.list").read_text(encoding="ascii")
    assert OPTED not in listed and len(listed.split()) == 1
    settings.catalog.unlink()
    for wal in settings.home.glob("footfall.duckdb*"):
        wal.unlink()
    repaired = footfall(settings, "check", "--repair")
    assert repaired.returncode in (0, 1), repaired.stderr
    assert footfall(settings, "optout", "count").stdout.startswith("1 device(s)")
    out = parse(hostapd_lines(spellings(OPTED) + spellings(OTHER)), name="a-20240401.log", hint=DAY)
    assert out.result.opted_out == 3


def test_an_opted_out_device_leaves_nothing_in_quarantine(settings, parse):
    """The outside audit found an opted-out device's unusable records (an unknown AP) in the
    quarantine: they are dropped and counted as opted out, like its usable ones."""
    assert footfall(settings, "optout", "add", stdin=f"{spellings(OPTED)[0]}\n").returncode == 0
    lines = [
        f"Apr  1 10:0{n}:00 OITA-999-AP99 hostapd: wlan0: AP-STA-CONNECTED {mac}"  # unknown AP
        for n, mac in enumerate(spellings(OPTED) + spellings(OTHER))
    ]
    out = parse(lines, name="b-20240401.log", hint=DAY)
    assert out.result.opted_out == 3
    assert out.result.quarantined == {"unknown_ap": 3}  # the other device's records only
    assert len(out.quarantine) == 3
