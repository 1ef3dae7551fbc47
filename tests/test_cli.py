"""The `footfall` command as an operator uses it: exit codes 0 done, 1 failed, 2 usage."""

from datetime import date

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.ingest.formats.test_meraki_syslog import AP, ASSOC

runner = CliRunner()


def test_help_explains_each_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "ingest", "nightly", "publish", "simulate"):
        assert command in result.output


@pytest.mark.parametrize(
    "args", [["nightly", "--day", "2024-13-01"], ["publish", "--quarter", "FY2024Q9"], ["nightly"]]
)
def test_usage_errors_exit_2(lake, args):
    assert runner.invoke(app, args).exit_code == 2


def test_failures_exit_1_with_what_to_do(lake):
    result = runner.invoke(app, ["publish", "--quarter", "FY2024Q1"])
    assert result.exit_code == 1 and "run the nightly job" in result.output
    result = runner.invoke(app, ["ingest", str(lake / "missing.log")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_ingest_lands_a_file_once(lake):
    log = lake / "meraki.log"
    log.write_text(ASSOC.format(ap=AP, mac="80:d6:05:12:34:56") + "\n")
    first = runner.invoke(app, ["ingest", str(log)])
    assert first.exit_code == 0, first.output
    assert "landed 1 new file(s); ingested 1: 1 events, 0 quarantined, days 2024-04-01" in first.output
    again = runner.invoke(app, ["ingest", str(log)])
    assert "landed 0 new file(s); ingested 0" in again.output
    assert log.exists()  # a user's file is copied, never moved


def test_demo_runs_a_whole_quarter_and_refuses_a_lake_it_did_not_make(lake):
    # a previous demo lake, with base-map layers the city imported into it
    (lake / "var" / "published" / "FY2023Q4").mkdir(parents=True)
    (lake / "var" / ".footfall-demo").touch()
    (lake / "var" / "basemap").mkdir()
    (lake / "var" / "basemap" / "districts.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    (lake / "keys").mkdir()
    result = runner.invoke(app, ["demo", "--devices", "400"])
    assert result.exit_code == 0, result.output
    removing = [line for line in result.output.splitlines() if line.startswith("demo: removing")]
    assert len(removing) == 1 and "published" in removing[0] and str(lake / "keys") in removing[0]
    assert f"keeping {lake / 'var' / 'basemap'}" in removing[0]
    assert (lake / "var" / "basemap" / "districts.geojson").exists()
    assert not (lake / "var" / "published" / "FY2023Q4").exists()
    assert "demo FY2024Q1: 91 days" in result.output
    assert (lake / "var" / "published" / "FY2024Q1" / "maps" / "flows.html").exists()
    assert "flow map: " in result.output
    (lake / "var" / ".footfall-demo").unlink()
    refused = runner.invoke(app, ["demo"])
    assert refused.exit_code == 1 and "did not make" in refused.output


HOSTAPD = [
    "Apr  1 08:12:41 OITA-001-AP01 hostapd: wlan0: AP-STA-CONNECTED 80:d6:05:12:34:56",
    "Apr  1 08:42:41 OITA-001-AP01 hostapd: wlan0: AP-STA-DISCONNECTED 80-D6-05-12-34-56",
    "Apr  1 08:43:00 OITA-001-AP01 hostapd: wlan0: AP-STA-CONNECTED 8-0-d6-05",
    "Apr  1 08:44:00 OITA-001-AP02 hostapd: wlan0: AP-STA-CONNECTED 80d6.0512.3457",
]


def test_parse_prints_canonical_events_with_the_fixed_contract(lake):
    from pipeline.config import SAMPLE_REGISTRY

    log = lake / "ap-20240401.log"
    log.write_text("\n".join(HOSTAPD) + "\n")
    result = CliRunner().invoke(app, ["parse", str(log), "--registry", str(SAMPLE_REGISTRY)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "ts,ap_id,device,kind,rssi,duration_s,source,record"
    rows = [line.split(",") for line in lines[1:]]
    assert [(r[0], r[1], r[3], r[6], r[7]) for r in rows] == [
        ("2024-03-31T23:12:41Z", "OITA-001-01", "assoc", "hostapd", "1"),
        ("2024-03-31T23:42:41Z", "OITA-001-01", "disassoc", "hostapd", "2"),
        ("2024-03-31T23:44:00Z", "OITA-001-02", "assoc", "hostapd", "4"),
    ]
    assert rows[0][2] == rows[1][2] != rows[2][2] and len(rows[0][2]) == 16
    assert "bad_mac=1" in result.stderr
    assert not (lake / "var").exists()  # nothing stored


def test_parse_exits_1_when_a_file_cannot_be_read(lake):
    from pipeline.config import SAMPLE_REGISTRY

    notes = lake / "notes.txt"
    notes.write_text("dear diary\n")
    result = CliRunner().invoke(app, ["parse", str(notes), "--registry", str(SAMPLE_REGISTRY)])
    assert result.exit_code == 1 and "supported:" in result.stderr


def test_registry_versions_are_in_force_from_their_day(lake):
    import csv

    from pipeline.config import SAMPLE_REGISTRY, load_settings
    from pipeline.ingest.registry import COLUMNS, registry_for

    with open(SAMPLE_REGISTRY, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][COLUMNS.index("AP名")] = "OITA-001-RENAMED"
    moved = lake / "moved.csv"
    with open(moved, "w", encoding="cp932", newline="") as handle:
        csv.writer(handle).writerows(rows)
    assert (
        runner.invoke(app, ["registry", "load", str(SAMPLE_REGISTRY), "--effective", "2024-04-01"]).exit_code
        == 0
    )
    loaded = runner.invoke(app, ["registry", "load", str(moved), "--effective", "2024-05-01"])
    assert loaded.exit_code == 0 and "95 access points at 54 sites" in loaded.output
    settings = load_settings()

    def names(day):
        return set(registry_for(settings, day).aps.column("ap_name").to_pylist())

    assert "OITA-001-AP01" in names(date(2024, 4, 30))
    assert "OITA-001-RENAMED" in names(date(2024, 5, 1))
    shown = runner.invoke(app, ["registry", "show", "--day", "2024-05-02"])
    assert "OITA-001-RENAMED" in shown.output and "54 sites, 95 access points" in shown.output


def test_a_bad_registry_is_refused_with_the_row(lake):
    bad = lake / "bad.csv"
    bad.write_text("NO,名称\n1,x\n", encoding="utf-8")
    result = runner.invoke(app, ["registry", "load", str(bad)])
    assert result.exit_code == 1 and "18 standard columns" in result.output


def test_show_visits_and_trips_of_a_processed_day(lake):
    from pipeline.ops import nightly
    from pipeline.config import load_settings
    from pipeline.ingest.pseudonym import day_key, pseudonym

    settings = load_settings()
    settings.inbox.mkdir(parents=True)
    (settings.inbox / "ap-20240401.log").write_text(
        "\n".join(
            [
                "Apr  1 08:12:41 OITA-001-AP01 hostapd: wlan0: AP-STA-CONNECTED 80:d6:05:12:34:56",
                "Apr  1 08:42:41 OITA-001-AP01 hostapd: wlan0: AP-STA-DISCONNECTED 80:d6:05:12:34:56",
                "Apr  1 08:55:00 OITA-006-AP01 hostapd: wlan0: AP-STA-CONNECTED 80:d6:05:12:34:56",
                "Apr  1 09:30:00 OITA-006-AP01 hostapd: wlan0: AP-STA-DISCONNECTED 80:d6:05:12:34:56",
            ]
        )
        + "\n"
    )
    nightly.run(settings, date(2024, 4, 1))
    device = f"{pseudonym(day_key(settings.keystore, date(2024, 4, 1)), 0x80D605123456):016x}"
    visits = runner.invoke(app, ["show", "visits", "--day", "2024-04-01"])
    assert visits.exit_code == 0, visits.output
    assert visits.stdout.splitlines() == [
        "device,site_id,site_name,start,end,dwell_s",
        f"{device},S0001,JR大分駅,2024-03-31T23:12:41Z,2024-03-31T23:42:41Z,1800",
        f"{device},S0016,大分市役所,2024-03-31T23:55:00Z,2024-04-01T00:30:00Z,2100",
    ]
    trips = runner.invoke(app, ["show", "trips", "--day", "2024-04-01"])
    assert trips.stdout.splitlines() == [
        "device,origin_site_id,origin_site_name,dest_site_id,dest_site_name,depart,arrive,travel_s",
        f"{device},S0001,JR大分駅,S0016,大分市役所,2024-03-31T23:42:41Z,2024-03-31T23:55:00Z,739",
    ]
    missing = runner.invoke(app, ["show", "visits", "--day", "2024-04-02"])
    assert missing.exit_code == 1 and "footfall nightly --day 2024-04-02" in missing.output
