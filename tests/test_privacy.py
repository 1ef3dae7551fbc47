"""Privacy by construction, checked: canaries vanish, pseudonyms resist, cells stay above k."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from pipeline import lake
from pipeline.ops import nightly, stages
from pipeline.release import suppression
from pipeline.calendar import FiscalQuarter
from pipeline.ingest.pseudonym import day_key, pseudonym
from pipeline.release.publish import publish
from pipeline.sim.city import simulate
from tests.conftest import E2E_FIRST, make_settings, texts_of
from tests.ingest.formats.test_radius_detail import record

FIRST = date(2024, 4, 1)
NIGHTS = 10  # past the 7-day staged retention of the canaries' day
OUI = "80d605"
# Canary devices: the NIC part lies below 2**20, so the negative control can search it quickly.
CANARIES = [f"{OUI}0{i:05x}" for i in (0xCAFE1, 0xCAFE2, 0xBEEF3, 0x12345, 0x0ABCD)]


def spell(mac: str, how: str) -> str:
    pairs = [mac[i : i + 2] for i in range(0, 12, 2)]
    return {
        "colon": ":".join(pairs),
        "COLON": ":".join(pairs).upper(),
        "dash": "-".join(pairs).upper(),
        "dot": f"{mac[:4]}.{mac[4:8]}.{mac[8:]}",
        "bare": mac.upper(),
    }[how]


def canary_logs(inbox):
    """Canary MACs in every supported spelling, in several formats, on the first day."""
    a, b, c, d, e = CANARIES
    (inbox / "meraki_canary_20240401.log").write_text(
        "\n".join(
            [
                f"Apr  1 09:00:00 10.20.0.5 1 1711929600.0 OITA-001-AP01 events type=association radio='1' "
                f"vap='0' client_mac='{spell(a, 'COLON')}' channel='36' reason='0' rssi='40'",
                "Apr  1 09:30:00 10.20.0.5 1 1711931400.0 OITA-001-AP01 events type=disassociation "
                f"radio='1' vap='0' client_mac='{spell(a, 'colon')}' channel='36' reason='8' "
                "duration='1800.000'",
                f"Apr  1 09:31:00 10.20.0.5 1 1711931460.0 UNKNOWN-AP events type=association radio='1' "
                f"vap='0' client_mac='{spell(b, 'colon')}' channel='36' reason='0' rssi='40'",  # quarantined
            ]
        )
        + "\n"
    )
    (inbox / "hostapd_20240401.log").write_text(
        f"Apr  1 10:00:00 OITA-006-AP01 hostapd: wlan0: AP-STA-CONNECTED {spell(c, 'dash')}\n"
        f"Apr  1 10:00:00 OITA-006-AP01 hostapd: wlan0: AP-STA-CONNECTED {spell(d, 'dot')}\n"
    )
    (inbox / "detail-20240401").write_text(
        "\n".join(record("Start", client=spell(e, "bare"), epoch=1711933200)) + "\n"
    )


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory, registry):
    """Ten nights of the sample city with canaries on the first day, a release, retention; logs kept."""
    root = tmp_path_factory.mktemp("canary")
    settings = make_settings(root, FOOTFALL_MAX_QUARANTINE_RATE="0.5")  # a canary file is 1/3 bad
    simulate(settings, registry, FIRST, FIRST + timedelta(days=NIGHTS - 1), devices=1500, seed=3)
    canary_logs(settings.inbox)
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda r: records.append(r.getMessage())
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        for n in range(NIGHTS):
            nightly.run(settings, FIRST + timedelta(days=n))
        release = publish(settings, FiscalQuarter.of(FIRST))
    finally:
        logging.getLogger().removeHandler(handler)
    return settings, root, release, records


def _hex_runs(text: bytes) -> set[bytes]:
    flat = re.sub(rb"[:\-.\s]", b"", text.lower())
    return set(re.findall(rb"[0-9a-f]{12}", flat))


def test_no_canary_survives_anywhere_after_nights_release_and_retention(canary_run):
    settings, root, release, logs = canary_run
    canaries = {c.encode() for c in CANARIES}
    files = [p for p in root.rglob("*") if p.is_file()]  # the lake, the keystore and its neighbours
    assert any(p.is_relative_to(release.path) for p in files) and len(files) > 50
    for path in files:
        for text in texts_of(path):
            assert not _hex_runs(text) & canaries, f"a canary MAC in {path}"
    assert not _hex_runs("\n".join(logs).encode()) & canaries
    assert logs  # the run did log


def test_the_canary_day_was_really_processed(canary_run):
    settings, _, _, _ = canary_run
    con = duckdb.connect(str(settings.catalog), read_only=True)
    formats = {r[0] for r in con.execute("select format from files").fetchall()}
    quarantined = con.execute("select sum(quarantined) from files").fetchall()[0][0]
    con.close()
    assert {"meraki_syslog", "hostapd", "radius_detail"} <= formats and quarantined >= 1


def test_retention_removed_raw_and_pseudonymised_files_and_keys_of_old_days(canary_run):
    settings, _, _, _ = canary_run
    last = FIRST + timedelta(days=NIGHTS - 1)
    staged_cutoff = last - timedelta(days=settings.staged_retention_days)
    for root in (settings.events, settings.visits, settings.trips):
        days = sorted(p.name[4:] for p in root.glob("day=*"))
        assert days and min(days) > staged_cutoff.isoformat()
    landed_days = []
    con = duckdb.connect(str(settings.catalog), read_only=True)
    for file_id, day in con.execute("select file_id, max(day) from file_days group by file_id").fetchall():
        if (settings.landing / file_id).exists():
            landed_days.append(day)
    con.close()
    assert landed_days and min(landed_days) > last - timedelta(days=settings.raw_retention_days)
    keys = sorted(p.stem for p in settings.keystore.glob("*.key"))
    assert keys and min(keys) > (last - timedelta(days=settings.key_grace_days)).isoformat()
    assert (settings.keystore / f"{FIRST}.destroyed").exists()
    assert len(list((settings.marts / "footfall_daily").glob("day=*"))) == NIGHTS  # aggregates kept


def test_a_closed_day_says_so_and_keeps_its_aggregates(canary_run, caplog):
    settings, _, _, _ = canary_run
    before = (settings.marts / "footfall_daily" / f"day={FIRST}" / "part.parquet").read_bytes()
    with caplog.at_level(logging.WARNING):
        assert stages.movement(settings, FIRST) == stages.Closed()
    assert "closed" in caplog.text
    assert (settings.marts / "footfall_daily" / f"day={FIRST}" / "part.parquet").read_bytes() == before


def test_a_late_file_for_a_day_whose_key_is_gone_is_quarantined_not_repseudonymised(canary_run):
    settings, _, _, _ = canary_run
    (settings.inbox / "late_20240401.log").write_text(
        "Apr  1 11:00:00 OITA-001-AP01 hostapd: wlan0: AP-STA-CONNECTED 80:d6:05:11:22:33\n" * 3
        + "Apr  9 11:00:00 OITA-001-AP01 hostapd: wlan0: AP-STA-CONNECTED 80:d6:05:11:22:34\n" * 30
    )
    stages.land(settings, FIRST + timedelta(days=NIGHTS - 1))
    figures = stages.ingest(settings, FIRST + timedelta(days=NIGHTS - 1))
    assert figures.quarantined == 3 and not (settings.keystore / f"{FIRST}.key").exists()


def test_plain_sha256_is_inverted_by_brute_force_and_the_hmac_pseudonym_is_not(tmp_path):
    """The negative control: what a fixed, keyless hash would give away, searched in one second."""
    prefix = int(OUI, 16) << 24
    key = day_key(tmp_path, FIRST)
    target_plain = {hashlib.sha256((int(c, 16)).to_bytes(6, "big")).digest()[:8]: c for c in CANARIES}
    target_hmac = {pseudonym(key, int(c, 16)).to_bytes(8, "big") for c in CANARIES}
    found_plain, found_hmac = set(), set()
    for nic in range(1 << 20):
        digest = hashlib.sha256((prefix | nic).to_bytes(6, "big")).digest()[:8]
        if digest in target_plain:
            found_plain.add(target_plain[digest])
        if digest in target_hmac:
            found_hmac.add(nic)
    assert found_plain == set(CANARIES)
    assert found_hmac == set()


def test_one_mac_is_one_device_within_a_day_across_sources_and_spellings(parse):
    mac = "80d605123456"
    out = parse(
        [f"Apr  1 08:12:41 OITA-001-AP01 hostapd: wlan0: AP-STA-CONNECTED {spell(mac, 'dash')}"],
        name="a-20240401.log",
    )
    first = {e["device"] for e in out.events}
    out = parse(
        [
            "ts,ap,client_mac,kind",
            f"2024-04-01T09:00:00,OITA-001-AP01,{spell(mac, 'dot')},seen",
            f"2024-04-02T09:00:00,OITA-001-AP01,{spell(mac, 'bare')},seen",
        ],
        name="b.csv",
    )
    by_day = {}
    for e in out.events:
        by_day.setdefault(e["ts"].date(), set()).add(e["device"])
    assert first == by_day[date(2024, 4, 1)] and len(first) == 1
    assert by_day[date(2024, 4, 2)] != first


# --- disclosure control on the published tables ---------------------------------------------------

SITES = pa.table(
    {
        "site_id": ["S1", "S2", "S3"],
        "site_name": ["a", "b", "c"],
        "site_name_en": ["a", "b", "c"],
        "zone_id": ["S1", "S2", "S3"],
        "lat": [33.2, 33.21, 33.22],
        "lon": [131.6, 131.61, 131.62],
        "n_aps": [1, 1, 1],
        "sensitive": [False, False, False],
    }
)
K = 10
cells = st.lists(
    st.tuples(st.sampled_from(["S1", "S2", "S3"]), st.integers(0, 13), st.integers(1, 40)),
    min_size=1,
    max_size=30,
    unique_by=lambda c: (c[0], c[1]),
)


def release_daily(tmp, rows) -> dict:
    """The published footfall_daily and site totals for daily marts holding `rows`."""
    settings = make_settings(tmp)
    for day_no in sorted({r[1] for r in rows}):
        day = FIRST + timedelta(days=day_no)
        part = [r for r in rows if r[1] == day_no]
        lake.write_parquet(
            pa.table(
                {
                    "site_id": [r[0] for r in part],
                    "devices": [r[2] for r in part],
                    "visitors": [r[2] for r in part],
                    "visits": [r[2] for r in part],
                    "median_dwell_s": [600.0] * len(part),
                    "dwell_total_s": [600 * r[2] for r in part],
                    "no_data": [False] * len(part),
                    "devices_dp": [r[2] for r in part],
                    "dp_bound": [4] * len(part),
                }
            ),
            settings.day_partition(settings.marts / "footfall_daily", day) / "part.parquet",
        )
    lake.write_parquet(
        pa.table({"site_id": ["S1"], "status": ["ok"]}),
        settings.day_partition(settings.marts / "ap_health", FIRST) / "part.parquet",
    )
    lake.write_parquet(
        pa.table({"site_id": ["S1"], "no_data": [False]}),
        settings.day_partition(settings.marts / "footfall_hourly", FIRST) / "part.parquet",
    )
    con = lake.connect(settings)
    con.register("sites", SITES)
    span = (FIRST, FIRST + timedelta(days=20))
    params = {
        name: lake.range_files(settings.marts / name, *span)
        for name in ("footfall_daily", "ap_health", "footfall_hourly")
    }
    params.update({"k": K, "days": 91, "dp": False})
    cells = suppression.apply({"daily": lake.query(con, "release/cells/daily", params)}, {}, [], K)
    con.register("daily_cells", cells["daily"])
    daily = lake.query(con, "release/footfall_daily", params).to_pylist()
    sites = lake.query(con, "release/sites", params).to_pylist()
    con.close()
    return {"daily": daily, "sites": sites}


HYPO = dict(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@hsettings(**HYPO)
@given(rows=cells)
def test_no_published_cell_is_below_k_and_no_hidden_cell_follows_from_the_margins(tmp_path_factory, rows):
    out = release_daily(tmp_path_factory.mktemp("k"), rows)
    for r in out["daily"]:
        assert r["devices"] is None or r["devices"] >= K
        assert r["suppressed"] == (r["devices"] is None)
    totals = {s["site_id"]: s["device_days"] for s in out["sites"]}
    for site in {r["site_id"] for r in out["daily"]}:
        shown = [r["devices"] for r in out["daily"] if r["site_id"] == site and not r["suppressed"]]
        hidden = [r for r in out["daily"] if r["site_id"] == site and r["suppressed"]]
        assert totals[site] is None or totals[site] >= K
        # with the total shown, one hidden cell would be total - sum(shown): never exactly one
        assert totals[site] is None or len(hidden) != 1
        if totals[site] is not None and hidden:
            assert totals[site] - sum(shown) >= 0


@hsettings(**HYPO)
@given(rows=cells, which=st.integers(0, 29), delta=st.sampled_from([-1, 1]))
def test_one_device_more_or_less_moves_published_cells_by_at_most_one(tmp_path_factory, rows, which, delta):
    changed = list(rows)
    site, day_no, devices = changed[which % len(changed)]
    changed[which % len(changed)] = (site, day_no, max(1, devices + delta))
    before = {
        (r["site_id"], r["day"]): r["devices"]
        for r in release_daily(tmp_path_factory.mktemp("a"), rows)["daily"]
    }
    after = {
        (r["site_id"], r["day"]): r["devices"]
        for r in release_daily(tmp_path_factory.mktemp("b"), changed)["daily"]
    }
    for cell, value in before.items():
        if value is not None and after.get(cell) is not None:
            assert abs(after[cell] - value) <= 1
        for table in (before, after):  # whatever is shown covers k devices
            assert table.get(cell) is None or table[cell] >= K


def test_the_manifest_records_the_policy(canary_run):
    _, _, release, _ = canary_run
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["policy"]["k"] == K and "secondary" in manifest["policy"]["suppression"]


def test_a_release_built_again_cannot_be_subtracted_from_an_earlier_version(tmp_path, simulated_quarter):
    """Late logs change a few cells after a release went out: no cell or site total of the new
    version differs from the earlier one by less than k (that difference would be a small count)."""
    settings, _, _ = simulated_quarter
    shutil.copytree(
        settings.home,
        tmp_path / "var",
        ignore=shutil.ignore_patterns("published", "locks", "release_history"),
    )
    copy = settings.with_(home=tmp_path / "var")
    quarter = FiscalQuarter.of(E2E_FIRST)
    first = publish(copy, quarter)
    shown = [
        r
        for r in pq.read_table(first.path / "tables" / "footfall_daily.parquet").to_pylist()
        if r["devices"] is not None
    ]
    small, large = shown[0], shown[-1]
    for cell, extra in ((small, 3), (large, 2 * K)):  # late devices: 3 at one site-day, 20 at another
        part = copy.marts / "footfall_daily" / f"day={cell['day']}" / "part.parquet"
        table = pq.read_table(part).to_pylist()
        for row in table:
            if row["site_id"] == cell["site_id"]:
                row["devices"] += extra
                row["devices_dp"] += extra
        lake.write_parquet(pa.Table.from_pylist(table, schema=pq.read_schema(part)), part)
    second = publish(copy, quarter)
    history = sorted(
        (copy.home / "release_history" / str(quarter)).iterdir(), key=lambda p: p.stat().st_mtime
    )
    versions = [
        {name: pq.read_table(path / f"{name}.parquet").to_pylist() for name in ("footfall_daily", "sites")}
        for path in history
    ]
    assert len(versions) == 2
    before = {(r["day"], r["site_id"]): r["devices"] for r in versions[0]["footfall_daily"]}
    after = {(r["day"], r["site_id"]): r["devices"] for r in versions[1]["footfall_daily"]}
    assert after[(small["day"], small["site_id"])] is None  # moved by 3: hidden
    assert after[(large["day"], large["site_id"])] == large["devices"] + 2 * K  # moved by 20: shown
    for cell, value in after.items():
        if value is not None and before.get(cell) is not None:
            assert value == before[cell] or abs(value - before[cell]) >= K
    totals = [{r["site_id"]: r["device_days"] for r in v["sites"]} for v in versions]
    for site, value in totals[1].items():
        if value is not None and totals[0].get(site) is not None:
            assert value == totals[0][site] or abs(value - totals[0][site]) >= K
    assert second.path.exists() and first.days_with_data == second.days_with_data


def test_a_file_named_after_a_device_or_a_person_keeps_its_name_out_of_catalog_and_messages(settings):
    """The outside audit ingested `zoe@example.com/7a-11-22-33-99-03_zoe.csv`: the MAC was printed
    and kept in the catalog's files.name forever. The raw file keeps its name in landing/ only."""
    import subprocess
    import sys

    folder = settings.home.parent / "zoe@example.com"
    folder.mkdir(parents=True)
    path = folder / "7a-11-22-33-99-03_zoe.csv"
    path.write_text(
        "timestamp,ap_id,mac,event,rssi,duration_s\nbad,OITA-003-AP01,7a:11:22:33:99:03,assoc,-50,\n",
        encoding="utf-8",
    )
    env = {
        "FOOTFALL_HOME": str(settings.home),
        "FOOTFALL_KEYSTORE": str(settings.keystore),
        "PATH": "/usr/bin:/bin",
    }
    footfall = str(Path(sys.executable).with_name("footfall"))
    done = subprocess.run(
        [footfall, "ingest", str(path), "--day", "2024-04-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = done.stdout + done.stderr
    assert "7a-11-22-33-99-03" not in said and "zoe@example.com" not in said
    con = duckdb.connect(str(settings.catalog), read_only=True)
    (name,) = con.execute("select name from files").fetchone()
    con.close()
    assert "7a-11-22-33-99-03" not in name and name.endswith("_zoe.csv")
    (landed,) = [p for p in settings.landing.rglob("*.csv")]
    assert landed.name == path.name  # the landing zone keeps the file as delivered
