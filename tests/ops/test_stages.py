"""The movement model and marts on hand-made canonical events: each rule of DESIGN.md, one test."""

from datetime import date, datetime, timedelta, UTC

import duckdb
import pyarrow as pa
import pytest

from pipeline import lake
from pipeline.ops import stages
from pipeline.ingest.reader import EVENT_SCHEMA

DAY = date(2024, 4, 1)
T0 = datetime(2024, 4, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def aps_of(registry, site_name):
    return [a["ap_id"] for a in registry.aps.to_pylist() if a["site_name"] == site_name]


def site_of(registry, site_name):
    return next(s["site_id"] for s in registry.sites.to_pylist() if s["site_name"] == site_name)


def session(device, ap, start, end):
    """An association and the disassociation that closes it, like a controller logs them."""
    return [
        (at(start), ap, device, "assoc", None),
        (at(end), ap, device, "disassoc", int((end - start) * 60)),
    ]


def stage_events(settings, rows):
    table = pa.Table.from_pylist(
        [
            {
                "ts": ts,
                "ap_id": ap,
                "device": dev,
                "kind": kind,
                "rssi": None,
                "duration_s": dur,
                "source": "test",
                "file_id": "f",
                "record": i,
            }
            for i, (ts, ap, dev, kind, dur) in enumerate(rows, start=1)
        ],
        EVENT_SCHEMA,
    )
    lake.write_parquet(table, settings.day_partition(settings.events, DAY) / "f.parquet")


def table(settings, root, name="part.parquet"):
    return duckdb.sql(
        f"select * from read_parquet('{root}/day={DAY}/{name}', hive_partitioning = false)"
    ).fetchall()


@pytest.fixture
def sites(registry):
    names = ["JR大分駅", "大分市役所", "ガレリア竹町"]
    found = {n: (site_of(registry, n), aps_of(registry, n)) for n in names}
    found["_all"] = registry.aps.to_pylist()
    return found


def test_roaming_between_aps_of_one_site_is_one_visit(settings, sites):
    _, station_aps = sites["JR大分駅"]
    stage_events(settings, session(1, station_aps[0], 0, 20) + session(1, station_aps[1], 21, 40))
    stages.movement(settings, DAY)
    visits = table(settings, settings.visits)
    assert [(v[0], v[4]) for v in visits] == [(1, 40 * 60)]


@pytest.mark.parametrize("gap, expected", [(9, 1), (11, 2)])
def test_a_gap_longer_than_the_threshold_splits_a_visit(settings, sites, gap, expected):
    _, aps = sites["大分市役所"]
    stage_events(settings, session(2, aps[0], 0, 10) + session(2, aps[0], 10 + gap, 30 + gap))
    stages.movement(settings, DAY)
    assert len(table(settings, settings.visits)) == expected


def test_moves_within_the_transit_limit_are_trips_and_chains_are_legs_of_a_journey(settings, sites):
    (a, a_aps), (b, b_aps), (c, c_aps) = sites["JR大分駅"], sites["ガレリア竹町"], sites["大分市役所"]
    stage_events(
        settings,
        session(3, a_aps[0], 0, 10)
        + session(3, b_aps[0], 25, 60)
        + session(3, c_aps[0], 70, 100)  # A -> B -> C: one journey
        + session(3, a_aps[0], 200, 210),
    )  # 100 min later: too slow to be a trip
    stages.movement(settings, DAY)
    trips = [(t[1], t[2], t[3], t[4], t[7]) for t in table(settings, settings.trips)]
    assert trips == [(1, 1, a, b, 15 * 60), (1, 2, b, c, 10 * 60)]


def test_marts_count_devices_per_hour_and_flows_per_zone_pair(settings, sites):
    (a, a_aps), (b, b_aps) = sites["JR大分駅"], sites["ガレリア竹町"]
    rows = []
    for device in range(12):
        rows += session(100 + device, a_aps[0], 50, 70) + session(100 + device, b_aps[0], 80, 90)
    stage_events(settings, rows)
    stages.movement(settings, DAY)
    stages.marts(settings, DAY)
    hourly = {(r[0], r[2]): r for r in table(settings, settings.marts / "footfall_hourly")}
    assert hourly[(a, 9)][3] == 12 and hourly[(a, 10)][3] == 12  # a visit 09:50-10:10 is in both hours
    assert hourly[(a, 9)][6] == 12 and hourly[(a, 10)][6] == 0  # visits start in the first only
    assert hourly[(b, 10)][4] == 12  # 10 min: visitors
    flows = table(settings, settings.marts / "od_flows")
    assert [(f[0], f[1], f[2], f[3], f[4]) for f in flows] == [(a, b, "10-13", 12, 12)]


def test_no_mart_holds_a_device_id(settings, sites):
    _, aps = sites["JR大分駅"]
    stage_events(settings, session(77, aps[0], 0, 30))
    stages.movement(settings, DAY)
    stages.marts(settings, DAY)
    for name in stages.MARTS:
        columns = duckdb.sql(
            f"describe select * from read_parquet('{settings.marts}/{name}/day={DAY}/part.parquet')"
        ).fetchall()
        assert not {"device", "mac"} & {c[0] for c in columns}


def test_a_rerun_replaces_the_day_with_identical_bytes(settings, sites):
    _, aps = sites["JR大分駅"]
    stage_events(settings, session(5, aps[0], 0, 30) + session(6, aps[1], 5, 50))
    stages.movement(settings, DAY)
    stages.marts(settings, DAY)
    first = {p: p.read_bytes() for p in settings.home.glob("*/*/day=*/*.parquet")}
    stages.movement(settings, DAY)
    stages.marts(settings, DAY)
    again = {p: p.read_bytes() for p in settings.home.glob("*/*/day=*/*.parquet")}
    assert first == again and len(first) >= 5
    assert not list(settings.home.rglob(".tmp-*"))


def test_a_day_without_events_says_what_to_do(settings):
    with pytest.raises(stages.NoDataError, match="land and ingest"):
        stages.movement(settings, DAY)


def test_a_disassociation_without_duration_closes_the_session_its_ap_opened(settings, sites):
    _, aps = sites["大分市役所"]
    rows = [
        (at(0), aps[0], 8, "assoc", None),
        (at(30), aps[0], 8, "disassoc", None),
        (at(45), aps[0], 8, "disassoc", None),
    ]  # a repeated close opens nothing
    stage_events(settings, rows)
    stages.movement(settings, DAY)
    assert [(v[4], v[5]) for v in table(settings, settings.visits)] == [(30 * 60, 2), (0, 1)]


@pytest.mark.parametrize("switch", [("disassoc", "assoc"), ("assoc", "disassoc")])
def test_band_steering_in_one_second_is_one_continuing_visit(settings, sites, switch):
    # hostapd logs no duration: DISCONNECTED on the 5 GHz radio and CONNECTED on the 2.4 GHz one
    # of the same AP in the same second, in either order in the file (OpenWrt writes both:
    # tests/fixtures/real/hostapd/openwrt-issue-16642.log, and the outside review's reversed copy)
    _, aps = sites["大分市役所"]
    rows = [
        (at(0), aps[0], 8, "assoc", None),
        (at(30), aps[0], 8, switch[0], None),
        (at(30), aps[0], 8, switch[1], None),
        (at(60), aps[0], 8, "disassoc", None),
    ]
    stage_events(settings, rows)
    stages.movement(settings, DAY)
    assert [v[4] for v in table(settings, settings.visits)] == [60 * 60]


def test_one_session_seen_by_radius_and_by_the_controller_is_one_visit(settings, sites):
    _, aps = sites["JR大分駅"]
    rows = session(9, aps[0], 0, 30) + [
        (at(0.5), aps[0], 9, "start", None),
        (at(30.2), aps[0], 9, "stop", 1780),
    ]
    stage_events(settings, rows)
    stages.movement(settings, DAY)
    assert len(table(settings, settings.visits)) == 1


def test_flapping_between_nearby_sites_makes_no_trip(settings, sites):
    (a, a_aps), (b, b_aps) = sites["JR大分駅"], sites["ガレリア竹町"]
    rows = (
        session(11, a_aps[0], 0, 30)
        + session(11, b_aps[0], 30.5, 31.5)  # a 1-minute blip
        + session(11, a_aps[0], 32, 60)
        + session(11, b_aps[0], 75, 100)
    )  # a real move
    stage_events(settings, rows)
    stages.movement(settings, DAY)
    trips = [(t[3], t[4]) for t in table(settings, settings.trips)]
    assert trips == [(a, b)]


def test_the_quality_report_and_its_gate(settings, sites):
    from pipeline.marts.quality_report import QualityGateError

    _, aps = sites["JR大分駅"]
    everyone = [
        (at(minute), a["ap_id"], 1000 + i * 20 + j, "seen", None)  # busy at 09 and 10
        for i, a in enumerate(sites["_all"])
        for j, minute in enumerate(range(0, 120, 6))
    ]
    for back in range(6, 0, -1):  # six ordinary days (four weekdays): every AP logs
        day = DAY - timedelta(days=back)
        table_ = pa.Table.from_pylist(
            [
                {
                    "ts": ts - timedelta(days=back),
                    "ap_id": ap,
                    "device": dev,
                    "kind": kind,
                    "rssi": None,
                    "duration_s": dur,
                    "source": "t",
                    "file_id": "f",
                    "record": 1,
                }
                for ts, ap, dev, kind, dur in everyone
            ],
            EVENT_SCHEMA,
        )
        lake.write_parquet(table_, settings.day_partition(settings.events, day) / "f.parquet")
        stages.movement(settings, day)
        stages.marts(settings, day)
    stage_events(settings, session(1, aps[0], 0, 30) + session(2, aps[1], 0, 30))  # then an outage
    stages.movement(settings, DAY)
    stages.marts(settings, DAY)
    with pytest.raises(QualityGateError, match=r"93 of 95 APs that usually log were silent"):
        stages.quality(settings, DAY)
    (row,) = duckdb.sql(f"select * from '{settings.marts}/quality/day={DAY}/part.parquet'").fetchall()
    names = [
        c[0]
        for c in duckdb.sql(
            f"describe select * from '{settings.marts}/quality/day={DAY}/part.parquet'"
        ).fetchall()
    ]
    row = dict(zip(names, row))
    assert (row["devices"], row["visits"], row["silent_aps"], row["aps"]) == (2, 2, 93, 95)
    hourly = duckdb.sql(
        f"select count(*) filter (no_data), count(*) from "
        f"'{settings.marts}/footfall_hourly/day={DAY}/part.parquet'"
    ).fetchall()[0]
    assert hourly[0] == 2 * 53  # the two hours every site logs are no data at the 53 silent sites
    relaxed = settings.with_(gate_max_silent_share=1.0)
    assert stages.quality(relaxed, DAY).outage_aps == 93


def test_the_usual_weekday_needs_three_weeks_of_history(settings):
    from pipeline.marts import quality_report

    def report(weeks_back, events):
        row = {name: 0 for name in quality_report.COMPARED} | {"events": events}
        lake.replace_partition(
            settings.marts / "quality",
            DAY - timedelta(weeks=weeks_back),
            {"part.parquet": pa.Table.from_pylist([row], quality_report.SCHEMA)},
        )

    report(2, 90_000)  # a New Year crowd
    report(1, 30_000)  # then an ordinary Monday
    assert quality_report._weekday_medians(settings, DAY)["events_weekday_median"] is None
    report(3, 32_000)
    assert quality_report._weekday_medians(settings, DAY)["events_weekday_median"] == 32_000


def test_a_day_without_data_is_skipped_unless_its_weekday_usually_has_events(settings):
    from pipeline.marts import quality_report

    with pytest.raises(stages.DayWithoutData, match=f"no data for service day {DAY}.*Skipped"):
        stages.data_check(settings, DAY)
    for weeks_back in (1, 2, 3):  # three earlier Mondays with events: data was expected
        row = {name: 0 for name in quality_report.COMPARED} | {"events": 30_000}
        lake.replace_partition(
            settings.marts / "quality",
            DAY - timedelta(weeks=weeks_back),
            {"part.parquet": pa.Table.from_pylist([row], quality_report.SCHEMA)},
        )
    with pytest.raises(stages.NoDataError, match="30000 are usual on its weekday") as raised:
        stages.data_check(settings, DAY)
    assert not isinstance(raised.value, stages.DayWithoutData)
    stage_events(settings, session(1, "AP-X", 0, 30))
    assert stages.data_check(settings, DAY) == stages.DataCheck(events_files=1, closed=False)
