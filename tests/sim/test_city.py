"""The synthetic city is realistic where the pipeline could go wrong: every format, people with two
devices or none, staff all day at one AP, event-day crowds; and it is deterministic."""

from datetime import date, timedelta

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.ingest import formats
from pipeline.ingest import reader
from pipeline.ingest.registry import load_registry
from pipeline.sim.logs import SCENARIOS
from pipeline.sim.city import STAFF_KINDS, event_of, metro_registry, simulate, site_kind
from tests.conftest import make_settings

FESTIVAL = date(2024, 8, 2)  # the first Friday of August: Tanabata
PLAIN = FESTIVAL - timedelta(days=7)


@pytest.fixture(scope="module")
def city(tmp_path_factory, registry):
    settings = make_settings(tmp_path_factory.mktemp("city"))
    for day in (PLAIN, FESTIVAL):
        simulate(settings, registry, day, day, devices=4000, seed=9, noise=SCENARIOS["realistic"])
    return settings


def _truth(settings, table, day):
    return pq.read_table(settings.truth / table / f"day={day}" / "part.parquet")


def test_every_supported_format_is_written_and_read(city, registry):
    from pipeline.ingest.reader import parse_file

    files = sorted(city.inbox.glob(f"*_{PLAIN:%Y%m%d}.*"))
    (central,) = [f for f in files if f.name.startswith("syslog_")]  # a central syslog server's file
    assert {formats.detect(f) for f in files if f != central} == {
        "radius_detail",
        "meraki_scanning",
        "generic_csv",
        "generic_jsonl",
    }
    events, counts = parse_file(city, registry, central, None, PLAIN, b"k" * 32)
    assert set(events.column("source").to_pylist()) == set(formats.ROUTED)
    # an unfiltered feed: other programs' lines beside hostapd's, ignored and counted
    assert {"dnsmasq-dhcp", "netifd", "kernel", "odhcpd"} <= set(counts["ignored_by"])
    assert counts["quarantined"] == {}


def test_people_carry_two_devices_or_none(city):
    con = duckdb.connect()
    con.register("visits", _truth(city, "visits", PLAIN))
    people = _truth(city, "people", PLAIN)
    per_person = con.execute(
        "select person_idx, count(distinct device_idx) as n from visits where not staff group by person_idx"
    ).fetchall()
    assert any(n == 2 for _, n in per_person)
    with_device = {p for p, _ in per_person}
    out = set(people.column("person_idx").to_pylist())
    assert 0.05 < len(out - with_device) / len(out) < 0.3  # Wi-Fi off: out, yet in no log


def test_staff_sit_all_day_at_one_ap_of_a_staffed_site(city, registry):
    visits = _truth(city, "visits", PLAIN).to_pylist()
    staff = [v for v in visits if v["staff"]]
    kinds = {s["site_id"]: site_kind(s["site_name"]) for s in registry.sites.to_pylist()}
    assert staff and all(kinds[v["site_id"]] in STAFF_KINDS for v in staff)
    assert all((v["end"] - v["start"]).total_seconds() > 7 * 3600 for v in staff)
    assert len({v["device_idx"] for v in staff}) == len(staff)  # one visit each: no roaming away


def test_an_event_day_brings_several_times_the_crowd_to_the_arcades(city, registry):
    assert event_of(FESTIVAL) == "tanabata" and event_of(PLAIN) is None
    arcades = {s["site_id"] for s in registry.sites.to_pylist() if site_kind(s["site_name"]) == "arcade"}

    def crowd(day):
        return len(
            {
                v["device_idx"]
                for v in _truth(city, "visits", day).to_pylist()
                if v["site_id"] in arcades and not v["staff"]
            }
        )

    assert crowd(FESTIVAL) > 2.5 * crowd(PLAIN)


def test_a_nas_restart_loses_the_stops_of_open_sessions_and_ingest_implies_them(tmp_path, registry):
    settings = make_settings(tmp_path)
    simulate(settings, registry, PLAIN, PLAIN, devices=1500, seed=2, noise=SCENARIOS["nas_restarts"])
    path = settings.inbox / f"radius_detail_{PLAIN:%Y%m%d}.log"
    lines = path.read_text().split("\n")
    status = [line.split("= ")[1] for line in lines if "Acct-Status-Type" in line]
    resets = [n - 1 for n, line in enumerate(lines, 1) if "Accounting-On" in line]  # header lines
    assert status.count("Accounting-On") == 2 == len(resets)
    lost = status.count("Start") - status.count("Stop")
    assert lost > 20  # the sessions open at each restart
    reader.ingest_file(settings, registry, "radius", path, hint=PLAIN)
    staged = duckdb.sql(f"select kind, record from '{settings.events}/*/radius.parquet'").fetchall()
    implied = [record for kind, record in staged if kind == "stop" and record in resets]
    assert len(implied) == lost and set(implied) == set(resets)


def test_the_same_seed_writes_the_same_logs(tmp_path, registry):
    out = []
    for run in ("a", "b"):
        settings = make_settings(tmp_path / run)
        simulate(settings, registry, PLAIN, PLAIN, devices=500, seed=4, noise=SCENARIOS["realistic"])
        out.append({p.name: p.read_bytes() for p in settings.inbox.iterdir()})
    assert out[0] == out[1]


def test_the_metro_registry_has_5000_aps_around_the_sample(tmp_path, registry):
    metro = load_registry(metro_registry(make_settings(tmp_path).registry, tmp_path / "metro.csv"))
    assert metro.aps.num_rows == 5000 and metro.sites.num_rows > 1500
    lat = metro.sites.column("lat").to_pylist()
    sample = registry.sites.column("lat").to_pylist()
    assert min(sample) - 0.2 < min(lat) and max(lat) < max(sample) + 0.2
